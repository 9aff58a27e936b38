// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function swap(target, html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var node = tpl.content.firstElementChild;
    target.replaceWith(node);
    return node;
  }
  // Inline description editing: fetch the form, submit it, swap the result in place.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-edit-description]");
    if (!btn) return;
    ev.preventDefault();
    var box = btn.closest("#description");
    fetch(btn.getAttribute("data-edit-description"), { headers: { "X-Partial": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var form = swap(box, html);
        var input = form.querySelector("textarea");
        if (input) input.focus();
      });
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches("[data-partial-form]")) return;
    ev.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Partial": "1", "X-CSRFToken": csrf() }
    }).then(function (r) {
      return r.text().then(function (text) {
        if (!r.ok) { alert(text); return; }
        swap(form, text);
      });
    });
  });
})();
