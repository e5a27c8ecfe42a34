"""A POST whose answer a proxy lost, retried by the official client as it does on a 504.

Input: {"url", "proxy_url", "token", "project_id", "tag", "jobs": n}. The create-batch call goes
through the proxy, which loses its first answer; the rest goes to the server directly.
"""

from __future__ import annotations

from typing import Any

from _client import (
    Steps,
    endpoints,
    main,
    one_atom_pi_pulse,
    sdk_class,
    token_provider,
    two_atoms_for_t,
)


def scenario(given: dict[str, Any], steps: Steps) -> None:
    from pasqal_cloud.device import DeviceTypeName
    from pasqal_cloud.utils.filters import BatchFilters

    SDK = sdk_class()

    def connect(url: str) -> Any:
        return SDK(
            token_provider=token_provider(given["token"]),
            endpoints=endpoints(url),
            project_id=given["project_id"],
        )

    through_proxy, direct = connect(given["proxy_url"]), connect(given["url"])
    lost_tag, twice_tag = f"{given['tag']}-lost", f"{given['tag']}-twice"

    def tagged(tag: str) -> Any:
        page = direct.get_batches(BatchFilters(tag=tag))
        return [{"id": b.id, "created_at": b.created_at} for b in page.results]

    # The same batch sent twice, both answers received: two batches. (This also warms the
    # server up: its first EMU_FREE batch loads the engine.)
    plain = one_atom_pi_pulse().to_abstract_repr()
    for name in ("identical_first", "identical_second"):
        steps.run(
            name,
            lambda: (
                direct.create_batch(
                    plain, [{"runs": 3}], device_type=DeviceTypeName.EMU_FREE, tags=[twice_tag]
                ).id
            ),
        )
    steps.run("batches_created_twice", lambda: tagged(twice_tag))

    # Many distinct jobs: the server takes a while to check them, longer than the proxy waits.
    jobs = [{"runs": 1, "variables": {"t": 100 + 4 * i}} for i in range(given["jobs"])]
    created = steps.run(
        "create_through_proxy",
        lambda: through_proxy.create_batch(
            two_atoms_for_t().to_abstract_repr(),
            jobs,
            device_type=DeviceTypeName.EMU_FREE,
            tags=[lost_tag],
        ),
    )
    if created is not None:
        steps.run("created", lambda: {"id": created.id, "jobs": created.jobs_count})
    found = steps.run("batches_created_through_proxy", lambda: tagged(lost_tag))
    if found:
        direct.cancel_batches([batch["id"] for batch in found])


if __name__ == "__main__":
    main(scenario)
