"""Importing a file of transactions (#18 item 8): good rows stored, each bad row reported by line,
field and reason, never at the cost of the good ones."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from feedback.models import CustomerTransaction
from tests.factories import CustomerFactory, FeedbackFactory

pytestmark = pytest.mark.django_db

URL = "/customers/transactions/import/"
CSV = (
    "customer;kind;external_id;amount;occurred_at;note\n"
    "C-1;order;O-1;120.50;2026-03-01T10:00:00+01:00;first\n"
    "C-1;Renewal;R-1;80;2026-04-01;bare date\n"
    "C-1;churn;CH-1;;2026-05-01 09:00;gone\n"
    "C-1;order;O-2;-3;2026-03-01T10:00:00+01:00;negative\n"
    "nobody;order;O-3;5;2026-03-01T10:00:00+01:00;unknown\n"
    "C-1;gift;G-1;5;yesterday;two wrongs\n"
)


@pytest.fixture
def customer(org):
    customer = CustomerFactory(external_id="C-1")
    FeedbackFactory(customer=customer, team=org["team_a1"])
    return customer


def upload(client, content: bytes, name="transactions.csv", **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **extra})


def test_good_rows_are_stored_and_bad_rows_reported_by_line_field_and_reason(client, people, customer):
    # given
    client.force_login(people["admin"])
    # when
    response = upload(client, CSV.encode())
    # then
    assert response.status_code == 200
    report = response.context["report"]
    assert report.rows == 6
    assert report.counts == {"created": 3, "duplicate": 0, "updated": 0, "error": 3}
    assert [(e.line, e.field) for e in report.errors] == [
        (5, "amount"), (6, "customer"), (7, "kind"), (7, "occurred_at"),
    ]  # fmt: skip
    assert report.ignored_columns == ["note"]
    stored = CustomerTransaction.objects.get(external_id="R-1")
    assert (stored.kind, stored.amount, stored.occurred_at.isoformat()) == (
        "renewal", Decimal("80.00"), "2026-04-01T00:00:00+00:00",
    )  # fmt: skip
    assert CustomerTransaction.objects.get(external_id="CH-1").amount is None
    assert "Rows not stored, and why" in response.content.decode()


def test_importing_the_same_file_again_stores_nothing_twice(client, people, customer):
    # given
    client.force_login(people["admin"])
    upload(client, CSV.encode())
    # when
    again = upload(client, CSV.encode()).context["report"]
    # then
    assert again.counts == {"created": 0, "duplicate": 3, "updated": 0, "error": 3}
    assert CustomerTransaction.objects.count() == 3


def test_the_report_downloads_as_csv_safe_for_spreadsheets(client, people, customer):
    # given
    client.force_login(people["admin"])
    content = CSV.replace("C-1;order;O-2;-3", "C-1;order;O-2;=1+1").encode()
    # when
    response = upload(client, content, report_as_csv="on")
    # then
    text = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0] == "\ufeffline,field,reason,value"
    assert "5,amount,A valid number is required.,'=1+1" in text


def test_an_xlsx_file_is_read_too(client, people, customer):
    # given
    book = Workbook()
    sheet = book.active
    sheet.append(["Customer", "Kind", "External id", "Amount", "Occurred at"])
    sheet.append(["C-1", "refund", "F-1", 12.5, "2026-03-01T10:00:00+00:00"])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(people["admin"])
    # when
    response = upload(client, buffer.getvalue(), name="money.xlsx")
    # then
    assert response.context["report"].counts["created"] == 1
    assert CustomerTransaction.objects.get().amount == Decimal("12.50")


def test_a_file_without_a_required_column_is_refused_with_the_column_named(client, people, customer):
    # given
    client.force_login(people["admin"])
    # when
    response = upload(client, b"customer,kind,amount\nC-1,order,5\n")
    # then
    assert response.status_code == 400
    assert "external_id, occurred_at" in response.context["form"].errors["file"][0]
    assert not CustomerTransaction.objects.exists()


def test_a_file_over_the_row_limit_is_refused_whole(client, people, customer, settings):
    # given
    settings.CXLOOP_TRANSACTION_IMPORT_MAX_ROWS = 2
    client.force_login(people["admin"])
    # when
    response = upload(client, CSV.encode())
    # then
    assert response.status_code == 400
    assert "limit 2" in response.context["form"].errors["file"][0]


@pytest.mark.parametrize("role", ["agent", "lead", "manager"])
def test_people_who_do_not_manage_customers_cannot_open_the_page(client, people, role):
    client.force_login(people[role])
    assert client.get(URL).status_code == 403


def test_the_upload_needs_the_csrf_token(people, customer):
    # given
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["admin"])
    # when
    response = upload(client, CSV.encode())
    # then
    assert response.status_code == 403
    assert not CustomerTransaction.objects.exists()


def test_the_import_page_and_its_report_show_words_not_codes(client, people, customer):
    # given
    from tests.visible_words import offences, visible_text, vocabulary

    client.force_login(people["admin"])
    # when
    response = upload(client, CSV.encode())
    # then
    assert offences(visible_text(response.content.decode()), vocabulary()) == []
