#!/usr/bin/env python3
"""The viewer at / in a real browser (Debian's chromium + chromedriver, through selenium).

Usage: viewer_check.py CAM_BINARY PORT PHOTO JPEG_PHOTO OUT_DIR

Against a running `cam serve` on 127.0.0.1:PORT: opens the page, picks PHOTO with the file
input, waits for the overlay, then switches class (the second prediction), method (gradcam),
moves the alpha slider (0.7) and the threshold slider (0.3), picks the viridis colormap and
turns the box on, then picks JPEG_PHOTO (the browser's JPEG decoder beside TurboJPEG). After each step it reads the page's canvas back and compares it with the
overlay `cam explain` writes for the same settings (run here with CAM_BINARY): every channel
within 1 (the page draws from the raw maps with camkit's own arithmetic, so it is expected to
be 0). Only picking the photo and changing the method may ask the service (one request each);
class, sliders, colormap and box are drawn in the page: a request there is a failure. Saves a
screenshot of the page as OUT_DIR/viewer.png. Exits 1 on any difference.
"""
import os, sys

import numpy as np
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from page import canvas_pixels, chromium, cli_overlay, set_slider, shown_query, wait_for_redraw

cam, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[5]
photo, jpeg_photo = os.path.abspath(sys.argv[3]), os.path.abspath(sys.argv[4])
base = f"http://127.0.0.1:{port}/"
driver = chromium()
failures = []


def requests_made():
    return driver.execute_script("return window.camRequests")


def check(step, previous, requests_before, requests_allowed):
    renders = wait_for_redraw(driver, previous)
    query, q = shown_query(driver)
    page, cli = canvas_pixels(driver), cli_overlay(cam, photo, q)
    worst = int(np.abs(page - cli).max()) if page.shape == cli.shape else None
    asked = requests_made() - requests_before
    print(f"viewer: {step}: {query}: max channel difference {worst}, requests {asked}")
    if worst is None or worst > 1:
        failures.append(step)
    if asked > requests_allowed:
        failures.append(f"{step} (asked the service {asked} times, {requests_allowed} allowed)")
    return renders


try:
    driver.get(base)
    WebDriverWait(driver, 30).until(lambda d: len(Select(d.find_element(By.ID, "method")).options) > 1)
    n = requests_made()
    driver.find_element(By.ID, "file").send_keys(photo)
    seen = check("photo picked", "0", n, 1)
    items = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#predictions li"))
    n = requests_made()
    items[1].click()
    seen = check("second class", seen, n, 0)
    n = requests_made()
    Select(driver.find_element(By.ID, "method")).select_by_value("gradcam")
    seen = check("method gradcam", seen, n, 1)
    for slider, value in (("alpha", "0.7"), ("threshold", "0.3")):
        n = requests_made()
        set_slider(driver, slider, value)
        seen = check(f"{slider} {value}", seen, n, 0)
    n = requests_made()
    Select(driver.find_element(By.ID, "colormap")).select_by_value("viridis")
    seen = check("colormap viridis", seen, n, 0)
    n = requests_made()
    driver.find_element(By.ID, "boxes").click()
    seen = check("box on", seen, n, 0)
    n = requests_made()
    photo = jpeg_photo
    driver.find_element(By.ID, "file").send_keys(photo)
    seen = check("JPEG photo picked", seen, n, 1)
    os.makedirs(out, exist_ok=True)
    driver.save_screenshot(os.path.join(out, "viewer.png"))
finally:
    driver.quit()

if failures:
    print("viewer: differs from cam explain at: " + ", ".join(failures))
    sys.exit(1)
print("viewer: 8 steps, every overlay within 1 of cam explain's, and only photo and method asked the service")
