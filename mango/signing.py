"""Mango's request signature: sha256(vpbx_api_key + json + vpbx_api_salt), lowercase hex."""
import hashlib
import hmac
import json


def sign(key, json_str, salt):
    return hashlib.sha256((key + json_str + salt).encode("utf-8")).hexdigest()


def dumps(payload):
    """The compact JSON Mango recommends; the exact string is what gets signed."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def form_body(key, salt, payload):
    """The three form fields of every signed request, in either direction."""
    json_str = payload if isinstance(payload, str) else dumps(payload)
    return {"vpbx_api_key": key, "sign": sign(key, json_str, salt), "json": json_str}


def signature_ok(key, json_str, salt, signature):
    """Constant-time check of a received signature over the raw ``json`` field."""
    if not salt:
        return False
    expected = sign(key, json_str, salt).encode()
    return hmac.compare_digest(expected, (signature or "").strip().lower().encode("utf-8",
                                                                                "replace"))
