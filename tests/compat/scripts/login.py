"""Email and password login over https, as the official client does it (Auth0's
password-realm grant at https://{domain}/oauth/token), then work done as that user.

Input: {"url", "email", "password", "project_id", "other_project_id"}; REQUESTS_CA_BUNDLE names
the server's CA in the environment.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from _client import Steps, endpoints, main, one_atom_pi_pulse, pulser_kinds, sdk_class

GRANT = "http://auth0.com/oauth/grant-type/password-realm"


def scenario(given: dict[str, Any], steps: Steps) -> None:
    from pasqal_cloud import endpoints as endpoints_module
    from pasqal_cloud.device import DeviceTypeName

    SDK = sdk_class()
    host = given["url"].split("://", 1)[1]
    auth0 = endpoints_module.Auth0Conf(
        domain=host, public_client_id="tweezer", audience="tweezer", realm="tweezer"
    )

    def login(**options: Any) -> Any:
        return SDK(
            username=given["email"],
            password=given["password"],
            project_id=given["project_id"],
            endpoints=endpoints(given["url"]),
            **options,
        )

    sdk = steps.run("login_auth0", lambda: login(auth0=auth0))
    if sdk is not None:
        steps.run("token_is_a_jwt", lambda: sdk.user_token().count("."))

        def work() -> Any:
            batch = sdk.create_batch(
                one_atom_pi_pulse().to_abstract_repr(),
                [{"runs": 7}],
                device_type=DeviceTypeName.EMU_FREE,
                wait=True,
            )
            return {
                "user_id": batch.user_id,
                "project_id": batch.project_id,
                "status": batch.status,
                "result": batch.ordered_jobs[0].result,
            }

        steps.run("create_batch_as_the_user", work)
        if hasattr(sdk, "get_all_projects"):
            steps.run("get_all_projects", lambda: [p.id for p in sdk.get_all_projects()])
        else:
            steps.skip("get_all_projects", "this release has no projects API")

    provider_conf = getattr(endpoints_module, "TokenProviderConf", None)
    if provider_conf is not None:
        for grant in (GRANT, "password"):
            conf = provider_conf(
                token_endpoint=f"{given['url']}/oauth/token",
                public_client_id="tweezer",
                audience="tweezer",
                realm="tweezer",
                grant_type=grant,
            )
            steps.run(
                f"login_auth_config_{grant.rsplit('/', 1)[-1]}",
                lambda conf=conf: login(auth_config=conf).user_token().count("."),
            )
    else:
        steps.skip("login_auth_config_password-realm", "this release has no auth_config")
        steps.skip("login_auth_config_password", "this release has no auth_config")

    def wrong_password() -> Any:
        try:
            SDK(
                username=given["email"],
                password=given["password"] + "-wrong",
                project_id=given["project_id"],
                endpoints=endpoints(given["url"]),
                auth0=auth0,
            )
        except BaseException as error:
            return {"type": type(error).__name__, "message": str(error)}
        raise AssertionError("a wrong password logged in")

    steps.run("wrong_password", wrong_password)

    kinds = pulser_kinds()
    steps.run(
        "pulser_connection_login",
        lambda: sorted(
            kinds.connection(
                username=given["email"],
                password=given["password"],
                project_id=given["project_id"],
                endpoints=endpoints(given["url"]),
                auth0=dataclasses.replace(auth0),
            ).fetch_available_devices()
        ),
    )


if __name__ == "__main__":
    main(scenario)
