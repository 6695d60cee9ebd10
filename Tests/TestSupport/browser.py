#!/usr/bin/env python3
"""Headless Chromium driven by Selenium, for the archive page's tests.

    browser.py [--window WxH]

Starts Debian's chromium through Debian's chromedriver (/usr/bin/chromedriver: no driver
is fetched), prints "ready" once the browser runs, then reads one JSON command a line on
stdin and answers each with one JSON line on stdout: {"ok": true, "value": ...} or
{"ok": false, "error": "..."}. Quits the browser when stdin closes, so it never outlives
the test process that started it.

Commands ("op" and its fields):
  open url                     load a page and wait for it
  url                          the current URL
  title                        the document's title
  text css                     the text of the first element matching css
  texts css                    the texts of every element matching css
  count css                    how many elements match css
  attribute css name           an attribute (or DOM property) of the first match
  click css                    click the first match (a form's button submits it)
  type css text                clear the first match and type text into it
  script source args           run JavaScript (a function body: `return ...`), its value
  wait source timeout          run the script every 100 ms until its value is truthy; that
                               value, or an error after timeout seconds
  screenshot path              a PNG of the window
  console                      the browser's console lines since the last call (CSP
                               violations and script errors land there)
"""

import argparse
import json
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def start(window):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        # Root in a container: Chromium's sandbox needs user namespaces it may not have.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=" + window,
        # The player is started by the test's script, with no click: no user gesture.
        "--autoplay-policy=no-user-gesture-required",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--user-data-dir=" + tempfile.mkdtemp(prefix="videohookd-chromium-"),
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path="/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


def first(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css)


def perform(driver, command):
    op = command["op"]
    if op == "open":
        driver.get(command["url"])
        return None
    if op == "url":
        return driver.current_url
    if op == "title":
        return driver.title
    if op == "text":
        return first(driver, command["css"]).text
    if op == "texts":
        return [element.text for element in driver.find_elements(By.CSS_SELECTOR, command["css"])]
    if op == "count":
        return len(driver.find_elements(By.CSS_SELECTOR, command["css"]))
    if op == "attribute":
        return first(driver, command["css"]).get_attribute(command["name"])
    if op == "click":
        first(driver, command["css"]).click()
        return None
    if op == "type":
        element = first(driver, command["css"])
        element.clear()
        element.send_keys(command["text"])
        return None
    if op == "script":
        return driver.execute_script(command["source"], *command.get("args", []))
    if op == "wait":
        deadline = time.monotonic() + float(command.get("timeout", 10))
        last = None
        while True:
            try:
                value = driver.execute_script(command["source"], *command.get("args", []))
                if value:
                    return value
                last = value
            except WebDriverException as error:
                last = error.msg
            if time.monotonic() > deadline:
                raise TimeoutError("still %r after %s s: %s" % (last, command.get("timeout", 10), command["source"]))
            time.sleep(0.1)
    if op == "screenshot":
        if not driver.save_screenshot(command["path"]):
            raise RuntimeError("no screenshot written to " + command["path"])
        return command["path"]
    if op == "console":
        return [entry.get("level", "") + " " + entry.get("message", "") for entry in driver.get_log("browser")]
    raise ValueError("unknown op " + repr(op))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", default="1280,900")
    arguments = parser.parse_args()
    driver = start(arguments.window)
    try:
        print("ready", flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                answer = {"ok": True, "value": perform(driver, json.loads(line))}
            except Exception as error:  # every failure is the test's to report
                answer = {"ok": False, "error": "%s: %s" % (type(error).__name__, getattr(error, "msg", None) or error)}
            print(json.dumps(answer), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
