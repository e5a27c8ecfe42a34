from urllib.parse import parse_qs, urlsplit

import pytest

from tweezer.domain.errors import Forbidden
from tweezer.results.links import ResultLinkSigner


def _parts(link: str) -> tuple[str, str, str]:
    split = urlsplit(link)
    query = parse_qs(split.query)
    return split.path.rsplit("/", 1)[1], query["expires"][0], query["signature"][0]


def test_signed_link_verifies_until_it_expires():
    signer = ResultLinkSigner(b"k" * 32, ttl_seconds=60)
    job_id, expires, signature = _parts(signer.link("http://h:1/", "job-1", now=1000))
    assert job_id == "job-1" and expires == "1060"
    signer.verify(job_id, expires, signature, now=1059)
    with pytest.raises(Forbidden, match="expired"):
        signer.verify(job_id, expires, signature, now=1061)


def test_link_for_one_job_does_not_open_another():
    signer = ResultLinkSigner(b"k" * 32, ttl_seconds=60)
    _, expires, signature = _parts(signer.link("http://h", "job-1", now=0))
    with pytest.raises(Forbidden, match="signature"):
        signer.verify("job-2", expires, signature, now=0)


def test_moving_the_expiry_breaks_the_signature():
    signer = ResultLinkSigner(b"k" * 32, ttl_seconds=60)
    job_id, _, signature = _parts(signer.link("http://h", "job-1", now=0))
    with pytest.raises(Forbidden, match="signature"):
        signer.verify(job_id, "999999999", signature, now=0)


def test_another_servers_key_is_refused():
    link = ResultLinkSigner(b"a" * 32, 60).link("http://h", "job-1", now=0)
    with pytest.raises(Forbidden):
        ResultLinkSigner(b"b" * 32, 60).verify(*_parts(link), now=0)


def test_malformed_expiry_is_refused():
    with pytest.raises(Forbidden, match="malformed"):
        ResultLinkSigner(b"k" * 32, 60).verify("job-1", "soon", "00", now=0)
