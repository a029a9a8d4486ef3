"""What the test provider says about a person: the standard claims and a `groups` claim for role mapping.

Groups named "token:..." make the provider sign a faulty ID token for that person, as a misconfigured or hostile
provider would: the relying party must refuse each one.
"""

UNVERIFIED_GROUP = "unverified-email"
FAULTS = {
    "token:other-audience": lambda token: {**token, "aud": "another-application"},
    "token:other-issuer": lambda token: {**token, "iss": "http://127.0.0.1:9/openid"},
    "token:expired": lambda token: {**token, "iat": token["iat"] - 7200, "exp": token["iat"] - 3600},
    "token:no-expiry": lambda token: {key: value for key, value in token.items() if key != "exp"},
}


def userinfo(claims, user):
    group_names = set(user.groups.values_list("name", flat=True))
    claims.update(
        {
            "given_name": user.first_name,
            "family_name": user.last_name,
            "preferred_username": user.username,
            "email": user.email,
            # A person in this group has an address the provider never confirmed.
            "email_verified": UNVERIFIED_GROUP not in group_names,
        }
    )
    return claims


def add_groups(id_token, user, **kwargs):
    names = sorted(user.groups.values_list("name", flat=True))
    id_token["groups"] = [name for name in names if name != UNVERIFIED_GROUP and name not in FAULTS]
    for name in names:
        if name in FAULTS:
            id_token = FAULTS[name](id_token)
    return id_token
