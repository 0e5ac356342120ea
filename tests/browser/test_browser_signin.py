"""Sign-in in real Chromium: the dashboard with a user redirects to its sign-in page, the form
signs in (the Secure session cookie kept on http://127.0.0.1), the overview draws, and
sign-out ends it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from costboard.dashboard import users
from tests.auth_support import PASSWORD, add_user, serving
from tests.browser.conftest import Browser, local_only


@pytest.fixture
def signed_in_server(browser_home: Path, tmp_path: Path, chromium: Any) -> Iterator[Browser]:
    """`costboard serve` on the browser tests' warehouse with one user (a users file of this
    test's own), and the session Chromium with no cookie of it before or after."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(users.USERS_FILE_ENV, str(tmp_path / "users.json"))
        add_user(browser_home, "alice")
        with serving(browser_home, tmp_path / "serve.log") as served:
            chromium.delete_all_cookies()
            session = Browser(chromium, f"http://127.0.0.1:{served.port}")
            session.clear_logs()
            try:
                yield session
            finally:
                chromium.delete_all_cookies()


def test_the_sign_in_form_signs_in_and_the_overview_draws(signed_in_server: Browser) -> None:
    browser = signed_in_server
    driver = browser.driver
    driver.get(browser.base + "/?subject=deepseek-v3")
    browser.wait_until("document.querySelector('#signin') !== null")
    assert driver.current_url == browser.base + "/signin?next=/%3Fsubject%3Ddeepseek-v3"
    browser.screenshot("signin")
    driver.find_element(By.ID, "name").send_keys("alice")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "signin").click()
    browser.wait_for("#overview-charts .js-plotly-plot", "[id*='overview-reconciliation'] .ag-row")
    assert "subject=deepseek-v3" in driver.current_url
    cookie = driver.get_cookie("costboard_session")
    assert cookie is not None and cookie["secure"] and cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert browser.console_errors() == []
    assert [u for u in browser.requested_urls() if not local_only(u)] == []
    assert "alice" in driver.find_element(By.CSS_SELECTOR, ".signout").text

    driver.find_element(By.ID, "signout").click()
    browser.wait_until("document.querySelector('#signin') !== null")
    driver.get(browser.base + "/claims")
    browser.wait_until("document.querySelector('#signin') !== null")
    assert driver.current_url.startswith(browser.base + "/signin")


def test_a_wrong_password_in_the_form_is_refused(signed_in_server: Browser) -> None:
    browser = signed_in_server
    driver = browser.driver
    driver.get(browser.base + "/signin")
    driver.find_element(By.ID, "name").send_keys("alice")
    driver.find_element(By.ID, "password").send_keys("not the password")
    driver.find_element(By.ID, "signin").click()
    browser.wait_until("document.querySelector('.error') !== null")
    assert "Wrong user name or password." in driver.find_element(By.CSS_SELECTOR, ".error").text
    assert driver.get_cookie("costboard_session") is None
