"""File import bounds (#12, spreadsheet bombs): the upload request never unpacks or parses the
file; a worker reads it within the bounds on unpacked size, rows, columns and cell length, and
refuses what exceeds one with a reason naming the limit."""

import io
import struct
import tracemalloc
import zipfile
from collections.abc import Iterable
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.intake.imports import resume, services
from feedback.intake.imports.tasks import import_job_read
from feedback.models import Feedback, Source
from feedback.models.imports import ImportJob
from tests.factories import SourceFactory
from tests.feedback.test_imports import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
PACKAGE_RELS = f"""<Relationships xmlns="{REL_NS}"><Relationship Id="rId1"
 Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = f"""<workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><sheets>
<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<Relationships xmlns="{REL_NS}">
<Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
HEADER_ROW = b'<row><c t="inlineStr"><is><t>id</t></is></c><c t="inlineStr"><is><t>comment</t></is></c></row>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def source(db):
    # A channel people write (feedback.permissions), so the team lead may import into it.
    return SourceFactory(slug="call-log", name="Call log export", kind=Source.Kind.CALL_CENTRE)


def workbook(*, sheet_rows: Iterable[bytes], shared_strings: Iterable[bytes] = ()) -> bytes:
    """An XLSX file written part by part, so that a part unpacking to 300 MB never sits in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            archive.writestr(name, text)
        for name, head, body, tail in (
            (
                "xl/worksheets/sheet1.xml",
                f'<worksheet xmlns="{MAIN_NS}"><sheetData>',
                sheet_rows,
                "</sheetData></worksheet>",
            ),
            ("xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}">', shared_strings, "</sst>"),
        ):
            # Without zip64 (not needed below 2 GB), so that a test can rewrite the declared sizes.
            with archive.open(name, "w") as part:
                part.write(head.encode())
                for block in body:
                    part.write(block)
                part.write(tail.encode())
    return buffer.getvalue()


def repeated(block: bytes, *, total: int) -> Iterable[bytes]:
    """`block` over and over, `total` bytes in all, written 1 MB at a time."""
    chunk = block * max(1, MB // len(block))
    for _ in range(total // len(chunk)):
        yield chunk


def rows_bomb(*, unpacked: int) -> bytes:
    """Ordinary-looking rows, hundreds of MB of them, that deflate to well under 1 MB."""
    row = (
        b'<row><c t="inlineStr"><is><t>r-1</t></is></c><c t="inlineStr"><is><t>Parcel late</t></is></c></row>'
    )
    return workbook(sheet_rows=[HEADER_ROW, *repeated(row, total=unpacked)])


def shared_cell_bomb(*, cell: int) -> bytes:
    """One comment cell, a shared string of `cell` bytes: the 0.3 MB file that costs 0.6 GB to open."""
    return workbook(
        sheet_rows=[HEADER_ROW, b'<row><c t="inlineStr"><is><t>r-1</t></is></c><c t="s"><v>0</v></c></row>'],
        shared_strings=[b"<si><t>", *repeated(b"x" * 1024, total=cell), b"</t></si>"],
    )


def inline_cell_bomb(*, cell: int) -> bytes:
    """The same, with the long cell written inline in the sheet."""
    long_row = [b'<row><c t="inlineStr"><is><t>r-1</t></is></c><c t="inlineStr"><is><t>']
    long_row += [*repeated(b"x" * 1024, total=cell), b"</t></is></c></row>"]
    return workbook(sheet_rows=[HEADER_ROW, *long_row])


def upload_file(client, *, user, source, name: str, content: bytes) -> ImportJob:
    client.force_login(user)
    response = client.post(reverse("imports:upload"), {"file": upload(name, content), "source": source.pk})
    assert response.status_code == 302
    return ImportJob.objects.get()


def peak_memory_reading(job: ImportJob) -> int:
    """The most memory Python held while the worker read the file, in bytes."""
    tracemalloc.start()
    try:
        import_job_read(job_id=job.pk)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def sizes(text: str) -> str:
    """`text` with the no-break space Django's filesizeformat puts before "MB"."""
    return text.replace(" MB", "\N{NO-BREAK SPACE}MB")


def refused_page(client, job: ImportJob):
    """What the person sees once the worker has read the file: the mapping page sends on to this."""
    mapping_page = client.get(reverse("imports:map", args=[job.pk]))
    assert mapping_page.status_code == 302
    return client.get(mapping_page.url)


# --- the bombs of the issue, at their real size ------------------------------------------


@pytest.mark.parametrize(
    "bomb",
    [
        pytest.param(lambda: rows_bomb(unpacked=300 * MB), id="rows-unpacking-to-300MB"),
        pytest.param(lambda: shared_cell_bomb(cell=300 * MB), id="one-300MB-cell"),
    ],
)
def test_a_bomb_is_stored_without_being_unpacked_and_refused_from_its_declared_size(
    client,
    people,
    source,
    bomb,
):
    # given: about 1 MB and 0.3 MB; the upload request used to unpack the first (for minutes), and
    # the mapping page the second (0.6 GB)
    content = bomb()
    assert len(content) < 1.5 * MB
    no_unpacking = mock.patch("zipfile._get_decompressor", side_effect=AssertionError("a part was unpacked"))
    # when
    with no_unpacking:
        job = upload_file(client, user=people["lead"], source=source, name="bomb.xlsx", content=content)
    # then: stored, waiting for a worker
    assert (job.status, job.headers) == (ImportJob.Status.READING, [])
    # when: the worker reads it
    with no_unpacking:
        import_job_read(job_id=job.pk)
    # then: refused from the sizes the zip declares, before a byte was unpacked
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.failure_reason == sizes(
        "The spreadsheet unpacks to 300.0 MB (limit 100.0 MB): split it into smaller files or save it as CSV."
    )
    assert job.failure_reason in refused_page(client, job).content.decode()


# --- a long cell within the size limit: refused before anything gathers it -----------------


@pytest.mark.parametrize(
    "bomb", [pytest.param(shared_cell_bomb, id="shared-string"), pytest.param(inline_cell_bomb, id="inline")]
)
def test_a_20mb_cell_is_refused_without_being_built_in_memory(client, people, source, bomb):
    # given: a 20 MB cell, well within the 100 MB a workbook may unpack to
    job = upload_file(
        client, user=people["lead"], source=source, name="cell.xlsx", content=bomb(cell=20 * MB)
    )
    # when
    peak = peak_memory_reading(job)
    # then: refused while streaming, never holding more than a few blocks of the cell
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.failure_reason == (
        "The spreadsheet holds more than 328,694 bytes of text in one piece, more than any cell may hold "
        "(limit 32,767 characters)."
    )
    assert peak < 8 * MB


def with_declared_size(content: bytes, *, name: str, size: int) -> bytes:
    """The zip with the size its central directory declares for `name` replaced by a lie."""
    data = bytearray(content)
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name.encode():
            struct.pack_into("<I", data, position + 24, size)
        position = data.find(b"PK\x01\x02", position + 46)
    return bytes(data)


def test_a_workbook_lying_about_its_unpacked_size_is_refused_without_unpacking_more(
    client,
    people,
    source,
):
    # given: a sheet of 30 MB of rows whose zip declares 2 kB
    lying = with_declared_size(rows_bomb(unpacked=30 * MB), name="xl/worksheets/sheet1.xml", size=2048)
    job = upload_file(client, user=people["lead"], source=source, name="liar.xlsx", content=lying)
    # when
    peak = peak_memory_reading(job)
    # then
    job.refresh_from_db()
    assert (job.status, job.failure_reason) == (
        ImportJob.Status.FAILED,
        "This .xlsx file is damaged or is not a workbook.",
    )
    assert peak < 8 * MB


# --- each bound, scaled down: refused when read, with the limit and what was found ----------


def csv_bytes(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode() + b"\r\n"


LONG = "x" * 150


@pytest.mark.parametrize(
    ("name", "content", "limits", "reason"),
    [
        pytest.param(
            "long.csv",
            csv_bytes(["id,score,comment", "r-1,9,fine", f"r-2,3,{LONG}", "r-3,5,fine"]),
            {"CXLOOP_IMPORT_MAX_CELL_CHARS": 100},
            "Line 3 has a cell longer than 100 characters (limit 100 for one cell): "
            "a closing quote may be missing.",
            id="csv-cell",
        ),
        pytest.param(
            "quote.csv",
            csv_bytes(["id,score,comment", 'r-1,9,"it was', *[f"r-{n},5,ok" for n in range(2, 40)]]),
            {"CXLOOP_IMPORT_MAX_CELL_CHARS": 100},
            "Line 2 has a cell longer than 100 characters (limit 100 for one cell): "
            "a closing quote may be missing.",
            id="csv-missing-quote",
        ),
        pytest.param(
            "long.xlsx",
            xlsx_bytes([["id", "score", "comment"], ["r-1", 9, "fine"], ["r-2", 3, LONG]]),
            {"CXLOOP_IMPORT_MAX_CELL_CHARS": 100},
            "Row 3, column C holds 150 characters (limit 100 for one cell).",
            id="xlsx-cell",
        ),
        pytest.param(
            "wide.csv",
            csv_bytes([",".join(f"c{n}" for n in range(8)), ",".join("1" * 8)]),
            {"CXLOOP_IMPORT_MAX_COLUMNS": 5},
            "The header row has 8 columns (limit 5).",
            id="csv-columns",
        ),
        pytest.param(
            "wide.xlsx",
            xlsx_bytes([[f"c{n}" for n in range(8)], [1] * 8]),
            {"CXLOOP_IMPORT_MAX_COLUMNS": 5},
            "The header row has more than 5 columns (limit 5).",
            id="xlsx-columns",
        ),
        pytest.param(
            "rows.csv",
            csv_bytes(["id,score", "r-1,1", "r-2,2", "r-3,3"]),
            {"CXLOOP_IMPORT_MAX_ROWS": 2},
            "The file has more than 2 rows, the limit: split it into smaller files.",
            id="csv-rows",
        ),
        pytest.param(
            "rows.xlsx",
            xlsx_bytes([["id", "score"], ["r-1", 1], ["r-2", 2], ["r-3", 3]]),
            {"CXLOOP_IMPORT_MAX_ROWS": 2},
            "The file has more than 2 rows, the limit: split it into smaller files.",
            id="xlsx-rows",
        ),
        pytest.param(
            "big.xlsx",
            rows_bomb(unpacked=2 * MB),
            {"CXLOOP_IMPORT_XLSX_MAX_UNPACKED_BYTES": MB},
            sizes(
                "The spreadsheet unpacks to 2.0 MB (limit 1.0 MB): "
                "split it into smaller files or save it as CSV."
            ),
            id="xlsx-unpacked",
        ),
        pytest.param("blank.csv", b"\r\n,,\r\n", {}, "The file has no header row.", id="no-header"),
    ],
)
def test_a_file_over_a_bound_is_refused_when_read_with_the_reason(
    client,
    people,
    source,
    settings,
    name,
    content,
    limits,
    reason,
):
    # given
    for setting, value in limits.items():
        setattr(settings, setting, value)
    job = upload_file(client, user=people["lead"], source=source, name=name, content=content)
    # when
    import_job_read(job_id=job.pk)
    # then: refused before any mapping, with the reason on the import's page; nothing can resume it
    job.refresh_from_db()
    assert (job.status, job.failure_reason) == (ImportJob.Status.FAILED, reason)
    assert job.is_refused
    page = refused_page(client, job).content.decode()
    assert reason in page
    assert "Refused" in page
    assert "Resume</button>" not in page
    assert resume.import_job_resume(job_id=job.pk) is False
    assert Feedback.objects.count() == 0


def test_a_cell_at_the_limit_is_read(client, people, source, settings):
    # given
    settings.CXLOOP_IMPORT_MAX_CELL_CHARS = 150
    content = csv_bytes(["id,comment", f"r-1,{LONG}"])
    job = upload_file(client, user=people["lead"], source=source, name="edge.csv", content=content)
    # when
    import_job_read(job_id=job.pk)
    # then
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.preview[0].cells) == (ImportJob.Status.UPLOADED, 1, ["r-1", LONG])


# --- while the file is read ------------------------------------------------------------------


def test_the_mapping_page_waits_for_the_worker_and_reloads_itself(client, people, source):
    # given
    content = csv_bytes(["id,score,comment", "r-1,9,Quick delivery"])
    job = upload_file(client, user=people["lead"], source=source, name="a.csv", content=content)
    url = reverse("imports:map", args=[job.pk])
    # when: before the worker has read it (the page itself never opens the file)
    with mock.patch("django.db.models.fields.files.FieldFile.open", side_effect=AssertionError("opened")):
        waiting = client.get(url)
        detail = client.get(reverse("imports:detail", args=[job.pk]))
    # then: it says so, without the mapping form, and reloads itself without JavaScript
    html = waiting.content.decode()
    assert waiting.status_code == 200
    assert waiting["Refresh"] == "2"
    assert "being read" in html
    assert f'href="{url}"' in html
    assert "Save mapping" not in html
    assert detail.url == url
    # when: the worker has read it
    import_job_read(job_id=job.pk)
    with mock.patch("django.db.models.fields.files.FieldFile.open", side_effect=AssertionError("opened")):
        ready = client.get(url)
    # then
    assert ready.status_code == 200
    assert not ready.has_header("Refresh")
    assert "Quick delivery" in ready.content.decode()
    assert "3 columns · 1 row ·" in ready.content.decode()


def test_a_file_cannot_be_mapped_while_it_is_read(people, source):
    # given
    job = services.import_job_create(
        uploaded_file=upload("a.csv", b"id,score\r\nr-1,9\r\n"), source=source, user=people["lead"]
    )
    # when / then
    with pytest.raises(services.ApplicationError, match="still being read"):
        services.import_job_map(job=job, mapping=services.Mapping(columns={"external_id": 0}))


def test_a_read_is_run_once_even_if_its_task_comes_twice(people, source):
    # given
    job = services.import_job_create(
        uploaded_file=upload("a.csv", b"id,score\r\nr-1,9\r\n"), source=source, user=people["lead"]
    )
    import_job_read(job_id=job.pk)
    services.import_job_map(job=job, mapping=services.Mapping(columns={"external_id": 0}))
    # when
    import_job_read(job_id=job.pk)
    # then
    job.refresh_from_db()
    assert (job.status, job.headers) == (ImportJob.Status.MAPPED, ["id", "score"])


def test_the_sweep_sends_a_lost_read_again_then_refuses_the_file(
    people,
    source,
    django_capture_on_commit_callbacks,
):
    # given: a read whose task never ran (the broker was down on upload)
    job = services.import_job_create(
        uploaded_file=upload("a.csv", b"id,score\r\nr-1,9\r\n"), source=source, user=people["lead"]
    )
    long_ago = timezone.now() - ImportJob.READ_STALL_AFTER * 2
    sent = []
    # when: the sweep finds it again and again, each time after the read stalled
    for _ in range(services.MAX_AUTO_RESUMES + 1):
        ImportJob.objects.filter(pk=job.pk).update(updated_at=long_ago)
        with (
            mock.patch.object(import_job_read, "apply_async") as send,
            django_capture_on_commit_callbacks(execute=True),
        ):
            resume.import_jobs_resume_stalled()
        sent.append(send.call_args_list)
    # then: sent again three times, then refused with the reason
    assert sent == [[mock.call(kwargs={"job_id": job.pk}, retry=False)]] * services.MAX_AUTO_RESUMES + [[]]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert (
        job.failure_reason == "Reading the file stopped 4 times before the end: split it or save it as CSV."
    )


def test_a_read_that_has_not_stalled_is_left_alone(people, source, django_capture_on_commit_callbacks):
    # given
    services.import_job_create(
        uploaded_file=upload("a.csv", b"id,score\r\nr-1,9\r\n"), source=source, user=people["lead"]
    )
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resumed = resume.import_jobs_resume_stalled()
    # then
    assert (resumed, callbacks) == (0, [])
