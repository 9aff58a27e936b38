"""Access API: the user's own API tokens and identity."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import tokens
from access.models import ApiToken
from custos.api.pagination import Pagination
from custos.errors import NotFound


class TokenOut(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "expires_at", "last_used_at", "revoked_at"]


class TokenCreatedOut(TokenOut):
    token = serializers.CharField(help_text="The secret: shown once, only in this answer.")

    class Meta(TokenOut.Meta):
        fields = [*TokenOut.Meta.fields, "token"]


class TokenIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    days = serializers.IntegerField(required=False, min_value=0, max_value=3650)


class TokenList(APIView):
    pagination_class = Pagination

    @extend_schema(responses=TokenOut(many=True), operation_id="token_list")
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            ApiToken.objects.filter(user_id=int(request.user.pk or 0)), request, view=self
        )
        return paginator.get_paginated_response(TokenOut(page, many=True).data)

    @extend_schema(request=TokenIn, responses={201: TokenCreatedOut}, operation_id="token_create")
    def post(self, request: Request) -> Response:
        ser = TokenIn(data=request.data)
        ser.is_valid(raise_exception=True)
        token, plain = tokens.create_token(
            user=request.user, name=ser.validated_data["name"], days=ser.validated_data.get("days")
        )
        body = dict(TokenOut(token).data)
        body["token"] = plain
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetail(APIView):
    @extend_schema(responses={204: None}, operation_id="token_revoke")
    def delete(self, request: Request, pk: int) -> Response:
        token = ApiToken.objects.filter(user_id=int(request.user.pk or 0), pk=pk).first()
        if token is None:
            raise NotFound(f"No token {pk}.")
        tokens.revoke_token(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Me(APIView):
    @extend_schema(responses=dict, operation_id="me")
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "username": user.get_username(),
                "roles": sorted(user.groups.values_list("name", flat=True)),
                "is_admin": user.is_superuser,
            }
        )
