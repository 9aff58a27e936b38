// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function swap(target, html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var node = tpl.content.firstElementChild;
    target.replaceWith(node);
    return node;
  }
  function showError(form, text) {
    var box = form.querySelector("[data-form-error]");
    if (!box) { window.alert(text); return; }
    // Domain errors come back as one plain sentence; anything else (an HTML error page) is not shown.
    var plain = text && text.length < 400 && text.indexOf("<") === -1;
    box.textContent = plain ? text : "Could not save. Please reload the page and try again.";
    box.hidden = false;
  }
  // Inline description editing: fetch the form, submit it, swap the result in place.
  var original = null;
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-edit-description]");
    if (btn) {
      ev.preventDefault();
      var box = btn.closest("#description");
      original = box.outerHTML;
      fetch(btn.getAttribute("data-edit-description"), { headers: { "X-Partial": "1" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.statusText); return r.text(); })
        .then(function (html) {
          var form = swap(box, html);
          var input = form.querySelector("textarea");
          if (input) { input.focus(); input.setSelectionRange(input.value.length, input.value.length); }
        })
        .catch(function () { window.location.href = btn.getAttribute("href"); });
      return;
    }
    var cancel = ev.target.closest("[data-partial-form] [data-cancel]");
    if (cancel && original) {
      ev.preventDefault();
      var restored = swap(cancel.closest("form"), original);
      var edit = restored.querySelector("[data-edit-description]");
      if (edit) edit.focus();
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    var form = ev.target.closest && ev.target.closest("[data-partial-form]");
    var cancel = form && form.querySelector("[data-cancel]");
    if (cancel) cancel.click();
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches("[data-partial-form]")) return;
    ev.preventDefault();
    var submit = form.querySelector("button[type=submit]");
    if (submit) submit.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Partial": "1", "X-CSRFToken": csrf() }
    }).then(function (r) {
      return r.text().then(function (text) {
        if (submit) submit.disabled = false;
        if (!r.ok) { showError(form, text); return; }
        var node = swap(form, text);
        node.setAttribute("data-saved", "1");
        var edit = node.querySelector("[data-edit-description]");
        if (edit) edit.focus();
      });
    }).catch(function () {
      if (submit) submit.disabled = false;
      showError(form, "Network error: the description was not saved.");
    });
  });
})();
