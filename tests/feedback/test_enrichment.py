import pytest

from cxloop.core.pii import luhn_valid, mask_personal_data
from feedback.enrichment.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The delivery was late and the driver was rude to my mother", "en"),
        ("El pedido llegó tarde y no me dieron ninguna explicación por el retraso", "es"),
        ("La livraison est arrivée en retard et je ne suis pas du tout satisfait", "fr"),
        ("Die Lieferung war sehr spät und ich bin nicht zufrieden mit dem Service", "de"),
        ("ok", ""),
        ("", ""),
    ],
)
def test_language_is_detected_from_function_words(text, language):
    assert detect_language(text) == language


def test_card_numbers_pass_luhn_before_they_are_masked():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert "4111 1111 1111 1112" in mask_personal_data("order 4111 1111 1111 1112")
    assert "▒▒▒ card" in mask_personal_data("card 4111-1111-1111-1111 please")


def test_emails_and_phones_are_masked_but_prices_and_dates_stay():
    text = "Write to a.b+c@shop.example.co.uk or ring +44 20 7946 0958. Paid £65.99 on 2026-11-01."
    masked = mask_personal_data(text)
    assert "shop.example" not in masked
    assert "7946" not in masked
    assert "£65.99" in masked
    assert "2026-11-01" in masked
