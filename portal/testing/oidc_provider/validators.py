import time

from oauth2_provider.oauth2_validators import OAuth2Validator

from .models import Identity


class TestValidator(OAuth2Validator):
    # Every claim of the identity goes into the ID token, whatever the scopes.
    oidc_claim_scope = None

    def _identity(self, request) -> Identity:
        return Identity.objects.get(user=request.user)

    def get_additional_claims(self, request):
        # The subject the test chose (the default would be the provider's own user id).
        return {**self._identity(request).claims, "sub": request.user.username}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        switch = self._identity(request).switch
        if switch == "wrong_audience":
            claims["aud"] = "another-client"
        elif switch == "expired":
            claims["iat"] = int(time.time()) - 7200
            claims["exp"] = int(time.time()) - 3600
        return claims, expiration_time

    def finalize_id_token(self, id_token, token, token_handler, request):
        identity = self._identity(request)
        if identity.switch == "replay_nonce" and identity.last_nonce:
            request.nonce = id_token["nonce"] = identity.last_nonce
        else:
            identity.last_nonce = request.nonce or ""
            identity.save(update_fields=["last_nonce"])
        serialized = super().finalize_id_token(id_token, token, token_handler, request)
        if identity.switch == "tamper_signature":
            header, payload, signature = serialized.split(".")
            flipped = "A" if signature[10] != "A" else "B"
            serialized = ".".join([header, payload, signature[:10] + flipped + signature[11:]])
        return serialized
