#!/usr/bin/env python3
"""The viewer at / in a real browser (Debian's chromium + chromedriver, through selenium).

Usage: viewer_check.py CAM_BINARY PORT PHOTO OUT_DIR

Against a running `cam serve` on 127.0.0.1:PORT: opens the page, picks PHOTO with the file
input, waits for the overlay, then switches class (the second prediction), method (gradcam),
moves the alpha slider (0.7) and the threshold slider (0.3), and turns the box on. After each
step it draws the <img> onto a canvas, reads the pixels back, and compares them with the
overlay `cam explain` writes for the same settings (run here with CAM_BINARY): every channel
within 1. Saves a screenshot of the page as OUT_DIR/viewer.png. Exits 1 on any difference.
"""
import base64, io, json, os, subprocess, sys, tempfile, time

import numpy as np
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

cam, port, photo, out = sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3]), sys.argv[4]
base = f"http://127.0.0.1:{port}/"

options = Options()
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900", "--force-color-profile=srgb"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_script_timeout(60)
failures = []


def overlay_pixels():
    """The <img>'s pixels as the page holds them, through a canvas."""
    data_url = driver.execute_script("""
        const img = document.getElementById('overlay');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        c.getContext('2d').drawImage(img, 0, 0);
        return c.toDataURL('image/png');""")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGB")).astype(int)


def wait_for_new_overlay(previous):
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(
        "const i = document.getElementById('overlay'); return i.complete && i.naturalWidth > 0 && i.src !== arguments[0];", previous))
    return driver.execute_script("return document.getElementById('overlay').src")


def cli_overlay(query):
    """cam explain's overlay for the settings in the page's query string."""
    q = dict(p.split("=", 1) for p in query.split("&"))
    args = [cam, "explain", photo, "--out", None, "--quiet", "--class", q["class"], "--method", q["method"],
            "--colormap", q["colormap"], "--alpha", q["alpha"]]
    if "threshold" in q:
        args += ["--threshold", q["threshold"]]
    if q.get("boxes") == "true":
        args += ["--boxes"]
    with tempfile.TemporaryDirectory() as folder:
        args[4] = folder
        subprocess.run(args, check=True)
        record = json.loads(open(os.path.join(folder, "results.jsonl")).readline())
        path = os.path.join(folder, record["explained"][0]["overlay"])
        return np.asarray(Image.open(path).convert("RGB")).astype(int)


def check(step, previous):
    src = wait_for_new_overlay(previous)
    query = driver.execute_script("return document.getElementById('overlay').dataset.query")
    page, cli = overlay_pixels(), cli_overlay(query)
    worst = int(np.abs(page - cli).max()) if page.shape == cli.shape else None
    print(f"viewer: {step}: {query}: max channel difference {worst}")
    if worst is None or worst > 1:
        failures.append(step)
    return src


try:
    driver.get(base)
    WebDriverWait(driver, 30).until(lambda d: len(Select(d.find_element(By.ID, "method")).options) > 1)
    driver.find_element(By.ID, "file").send_keys(photo)
    src = check("photo picked", "")
    items = WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#predictions li"))
    items[1].click()
    src = check("second class", src)
    Select(driver.find_element(By.ID, "method")).select_by_value("gradcam")
    src = check("method gradcam", src)
    for slider, value in (("alpha", "0.7"), ("threshold", "0.3")):
        driver.execute_script("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                              "s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change'));", slider, value)
        src = check(f"{slider} {value}", src)
    driver.find_element(By.ID, "boxes").click()
    src = check("box on", src)
    os.makedirs(out, exist_ok=True)
    driver.save_screenshot(os.path.join(out, "viewer.png"))
finally:
    driver.quit()

if failures:
    print("viewer: differs from cam explain at: " + ", ".join(failures))
    sys.exit(1)
print("viewer: 6 steps, every overlay within 1 of cam explain's")
