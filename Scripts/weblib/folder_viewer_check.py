#!/usr/bin/env python3
"""The folder viewer (index.html of `cam explain --html --save-raw`) in a real browser, opened
from the file system as a user double-clicks it (no server, no flag that loosens Chromium's
file:// rules).

Usage: folder_viewer_check.py CAM_BINARY PHOTO_FOLDER OUT_DIR

Runs `cam explain PHOTO_FOLDER --html --save-raw --top-k 3` into a temporary folder and opens its
index.html. For every photo in the list (PNG and JPEG among them): the page's first drawing
must equal the overlay file the run wrote for the top class, and after clicking the second
class, that class's overlay file. Then, on the last photo, alpha 0.7, threshold 0.3, colormap
viridis and the box, each compared with `cam explain` run for those settings. Every channel
within 1 (the page draws from the raw maps with camkit's own arithmetic: expected 0). The page
may read only files under the run's folder; hovering shows the map's value; a run with
`--class` outside the top-k lists and draws that class; the browser logs no error. Saves a screenshot as OUT_DIR/folder-viewer.png.
Exits 1 on any difference.
"""
import os, pathlib, subprocess, sys, tempfile

import numpy as np
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from page import canvas_pixels, chromium, cli_overlay, image, set_slider, shown_query, wait_for_redraw

cam, photos, out = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
failures, steps = [], 0


def check(step, previous, run, expected=None):
    """Compares the canvas with the run's overlay file for the shown class, or with `expected`."""
    global steps
    renders = wait_for_redraw(driver, previous)
    query, q = shown_query(driver)
    if expected is None:
        record = next(r for r in run["records"] if r["input"] == q["input"])
        overlay = next(e["overlay"] for e in record["explained"] if str(e["index"]) == q["class"])
        expected = image(os.path.join(folder, overlay))
    elif expected == "cli":
        expected = cli_overlay(cam, os.path.join(photos, q["input"]), q)
    page = canvas_pixels(driver)
    worst = int(np.abs(page - expected).max()) if page.shape == expected.shape else None
    print(f"folder viewer: {step}: {query}: max channel difference {worst}")
    steps += 1
    if worst is None or worst > 1:
        failures.append(step)
    return renders


with tempfile.TemporaryDirectory() as folder:
    subprocess.run([cam, "explain", photos, "--html", "--save-raw", "--top-k", "3", "--out", folder, "--quiet"], check=True)
    driver = chromium()
    try:
        driver.get(pathlib.Path(folder, "index.html").as_uri())
        run = driver.execute_script("return JSON.parse(document.getElementById('run').textContent);")
        items = driver.find_elements(By.CSS_SELECTOR, "#photos li:not(.error)")
        if len(items) != len(run["records"]) or len(items) < 2:
            failures.append(f"{len(items)} photos listed for {len(run['records'])} records")
        seen = check(f"first photo shown ({run['records'][0]['input']})", "0", run)
        for i, item in enumerate(items):
            if i > 0:
                item.click()
                seen = check(f"photo {item.get_attribute('data-name')}", seen, run)
            classes = driver.find_elements(By.CSS_SELECTOR, "#classes li")
            classes[1].click()
            seen = check(f"{item.get_attribute('data-name')}: second class", seen, run)
        for slider, value in (("alpha", "0.7"), ("threshold", "0.3")):
            set_slider(driver, slider, value)
            seen = check(f"{slider} {value}", seen, run, "cli")
        Select(driver.find_element(By.ID, "colormap")).select_by_value("viridis")
        seen = check("colormap viridis", seen, run, "cli")
        driver.find_element(By.ID, "boxes").click()
        seen = check("box on", seen, run, "cli")
        ActionChains(driver).move_to_element(driver.find_element(By.ID, "overlay")).perform()
        hover = driver.find_element(By.ID, "hover").text
        print(f"folder viewer: hover: {hover}")
        if " map " not in hover:
            failures.append("hover shows no map value")
        # Everything the page read is a file of the run's folder.
        read = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
        outside = [u for u in read if not u.startswith(pathlib.Path(folder).as_uri() + "/")]
        if outside:
            failures.append(f"read outside the run's folder: {outside}")
        os.makedirs(out, exist_ok=True)
        driver.save_screenshot(os.path.join(out, "folder-viewer.png"))
        # --class outside the top-k: the explained class is listed after the predictions.
        subprocess.run([cam, "explain", os.path.join(photos, run["records"][0]["input"]), "--html", "--save-raw",
                        "--class", "0", "--out", folder + "/class", "--quiet"], check=True)
        driver.get(pathlib.Path(folder, "class", "index.html").as_uri())
        folder += "/class"
        run = driver.execute_script("return JSON.parse(document.getElementById('run').textContent);")
        seen = check("--class 0 beside the top-1", "0", run)
        if [li.text.split(" ")[0] for li in driver.find_elements(By.CSS_SELECTOR, "#classes li.unexplained")] == []:
            failures.append("the top-1 class, not explained, is not listed")
        ActionChains(driver).move_to_element(driver.find_element(By.ID, "overlay")).perform()
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        if errors:
            failures.append(f"page errors: {errors}")
    finally:
        driver.quit()

if failures:
    print("folder viewer: differs at: " + ", ".join(failures))
    sys.exit(1)
print(f"folder viewer: {steps} steps from file://, every overlay within 1 of cam explain's")
