import pytest

from ibwire.errors import ErrorCategory, classify


@pytest.mark.parametrize("code,category", [
    (2104, ErrorCategory.NOTICE), (2106, ErrorCategory.NOTICE), (2107, ErrorCategory.NOTICE),
    (2108, ErrorCategory.NOTICE), (2119, ErrorCategory.NOTICE), (2158, ErrorCategory.NOTICE),
    (1100, ErrorCategory.CONNECTIVITY), (1101, ErrorCategory.CONNECTIVITY), (1102, ErrorCategory.CONNECTIVITY),
    (200, ErrorCategory.CONTRACT), (201, ErrorCategory.ORDER_REJECT), (203, ErrorCategory.ORDER_REJECT),
    (202, ErrorCategory.CANCEL_CONFIRM), (10147, ErrorCategory.CANCEL_FAILURE),
    (10148, ErrorCategory.CANCEL_FAILURE), (161, ErrorCategory.CANCEL_FAILURE), (135, ErrorCategory.CANCEL_FAILURE),
    (103, ErrorCategory.DUPLICATE_ORDER_ID), (100, ErrorCategory.PACING),
    (502, ErrorCategory.CLIENT), (503, ErrorCategory.CLIENT), (504, ErrorCategory.CLIENT), (507, ErrorCategory.CLIENT),
    (2100, ErrorCategory.WARNING), (2150, ErrorCategory.WARNING), (10167, ErrorCategory.WARNING),
])
def test_classification(code: int, category: ErrorCategory) -> None:
    assert classify(code).category is category


def test_notices_and_confirmations_are_not_failures() -> None:
    assert not classify(2104).is_error
    assert not classify(202).is_error
    assert not classify(1100).is_error
    assert classify(201).is_error
    assert classify(200).is_error
    assert classify(10147).is_error
    assert classify(4242).is_error  # an unknown code for a request is a failure of that request
