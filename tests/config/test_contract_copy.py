"""The repository ships the API contract (a clone has no ../shared/), and the copy is the contract itself."""

from pathlib import Path

import pytest
from django.conf import settings

COPY = settings.BASE_DIR / "docs" / "api" / "v1.md"
SHARED = Path(settings.BASE_DIR).parent / "shared" / "api" / "v1.md"


def test_the_repository_ships_the_contract():
    assert "POST /auth/token/" in COPY.read_text()


@pytest.mark.skipif(not SHARED.exists(), reason="no shared contract beside this checkout")
def test_the_copy_is_the_shared_contract_word_for_word():
    assert COPY.read_text() == SHARED.read_text(), "copy ../shared/api/v1.md to docs/api/v1.md"
