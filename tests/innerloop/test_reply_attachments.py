"""What customers attach to replies: kept within the size and type limits (the type read from the
bytes), refused with the reason otherwise, downloadable only by people who may see the case, and
deleted when the customer is erased."""

from pathlib import Path

import pytest

from innerloop.models import CaseAttachment, CaseReply, RefusedAttachment
from innerloop.replies.addresses import reply_address_for
from innerloop.replies.attachments import detected_type, safe_filename

from .replies_support import (
    EXE,
    PNG,
    case_waiting,
    may_see_personal_data,
    post_postmark,
    postmark_payload,
    replies_switched_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def replies_on(settings, tmp_path):
    return replies_switched_on(settings, tmp_path)


def reply_with(client, case, attachments):
    response = post_postmark(client, postmark_payload(to=reply_address_for(case), attachments=attachments))
    assert response.status_code == 200
    return CaseReply.objects.get(case=case)


def test_an_allowed_attachment_is_stored_with_the_type_found_in_its_bytes(replies_on, org, people, client):
    # given
    case = case_waiting(org, people)
    # when: a PNG that claims to be a PDF, with a path in its name
    reply = reply_with(client, case, [("../../etc/photo.pdf", PNG, "application/pdf")])
    # then
    attachment = reply.attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.filename == "photo.pdf"
    assert attachment.size == len(PNG)
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == PNG
    assert stored.is_relative_to(Path(replies_on.MEDIA_ROOT))
    assert "photo" not in stored.name


def test_too_large_and_disallowed_attachments_are_refused_with_the_reason(replies_on, org, people, client):
    # given: a limit of 1 KB
    replies_on.CXLOOP_REPLY_MAX_ATTACHMENT_BYTES = 1024
    case = case_waiting(org, people)
    # when
    reply = reply_with(
        client,
        case,
        [
            ("big.pdf", b"%PDF-1.4\n" + b"x" * 2048, "application/pdf"),
            ("invoice.pdf", EXE, "application/pdf"),
            ("photo.png", PNG, "image/png"),
        ],
    )
    # then: one kept, two refused, each with its reason, no bytes kept for them
    assert list(reply.attachments.values_list("filename", flat=True)) == ["photo.png"]
    refused = dict(RefusedAttachment.objects.filter(reply=reply).values_list("filename", "reason"))
    assert refused == {"big.pdf": "too_large", "invoice.pdf": "type"}
    assert reply.case.events.get(kind="reply_received").data | {} == {
        "reply": reply.pk, "from_on_file": True, "attachments": 1, "refused": 2
    }  # fmt: skip
    # and the case page names them with the reason, in words
    client.force_login(people["agent"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "big.pdf: Not kept: larger than the 0 MB limit." in html
    assert "invoice.pdf: Not kept: files of this type are not accepted." in html


@pytest.mark.parametrize(
    ("content", "name", "found"),
    [
        pytest.param(PNG, "x.png", "image/png", id="png"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "x.pdf", "application/pdf", id="pdf"),
        pytest.param("Olá, segue a fatura.\n".encode(), "note.txt", "text/plain", id="text"),
        pytest.param(b"order,total\n123,9.99\n", "orders.csv", "text/csv", id="csv"),
        pytest.param(EXE, "x.txt", "application/x-msdownload", id="exe named .txt"),
        pytest.param(b"\x00\x01\x02binary", "x.txt", "application/octet-stream", id="unknown binary"),
    ],
)
def test_the_type_is_read_from_the_bytes(content, name, found):
    assert detected_type(content, name) == found


def test_a_file_name_is_only_a_name():
    assert safe_filename("C:\\Users\\ana\\scan\x00.pdf") == "scan.pdf"
    assert safe_filename("") == "attachment"


def test_only_people_who_may_see_the_case_download_an_attachment(replies_on, org, people, client):
    # given
    case = case_waiting(org, people)
    reply_with(client, case, [("photo.png", PNG, "image/png")])
    attachment = CaseAttachment.objects.get()
    url = f"/hooks/replies/attachments/{attachment.pk}/"
    for person in ("agent", "agent_b"):
        may_see_personal_data(people[person])
    # when: the case's agent
    client.force_login(people["agent"])
    response = client.get(url)
    # then: a download, never rendered, of the type found
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "photo.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    # and the case page links it
    assert url in client.get(f"/cases/{case.pk}/").content.decode()
    # when: an agent of another team
    client.force_login(people["agent_b"])
    # then
    assert client.get(url).status_code == 404


def test_without_the_personal_data_permission_attachments_are_named_not_opened(
    replies_on, org, people, client
):
    case = case_waiting(org, people)
    reply_with(client, case, [("photo.png", PNG, "image/png")])
    url = f"/hooks/replies/attachments/{CaseAttachment.objects.get().pk}/"
    client.force_login(people["lead"])
    assert client.get(url).status_code == 404
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "photo.png" in html
    assert url not in html


def test_erasing_the_customer_empties_the_replies_and_deletes_the_files(
    replies_on, org, people, client, django_capture_on_commit_callbacks
):
    # given
    case = case_waiting(org, people)
    reply = reply_with(client, case, [("photo.png", PNG, "image/png"), ("x.pdf", EXE, "application/pdf")])
    stored = Path(reply.attachments.get().file.path)
    # when: the customer is erased through feedback's eraser registry
    from feedback.privacy.erasure import customer_erase

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(external_id=case.customer.external_id, actor=people["admin"])
    # then
    reply.refresh_from_db()
    assert (reply.text, reply.full_text, reply.from_address, reply.subject) == ("", "", "", "")
    assert reply.erased_at is not None
    assert not stored.exists()
    assert list(reply.attachments.values_list("filename", "file")) == [("", "")]
    assert list(reply.refused_attachments.values_list("filename", flat=True)) == [""]
