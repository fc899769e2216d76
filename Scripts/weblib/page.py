"""What the browser checks share: a headless Chromium through chromedriver, the page's canvas
read back, waiting for a redraw, and cam explain's overlay for the settings a page shows."""
import base64, io, json, os, subprocess, tempfile, urllib.parse

import numpy as np
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait


def chromium():
    """Headless Chromium with sRGB output and no flag that loosens the file:// rules."""
    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--force-color-profile=srgb"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(60)
    return driver


def canvas_pixels(driver):
    """The overlay canvas's pixels as the page drew them (toDataURL fails on a tainted canvas)."""
    data_url = driver.execute_script("return document.getElementById('overlay').toDataURL('image/png');")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGB")).astype(int)


def wait_for_redraw(driver, previous):
    """Waits until the page has drawn again; returns its draw count."""
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(
        "return (document.getElementById('overlay').dataset.renders || '0') !== arguments[0];", previous))
    return driver.execute_script("return document.getElementById('overlay').dataset.renders")


def shown_query(driver):
    """The settings of the drawing on the canvas, as the page states them (a query string)."""
    query = driver.execute_script("return document.getElementById('overlay').dataset.query")
    return query, dict(urllib.parse.parse_qsl(query))


def cli_overlay(cam, photo, q):
    """cam explain's overlay of `photo` for the settings in q (class, colormap, alpha, threshold,
    boxes, and method when given)."""
    args = [cam, "explain", photo, "--out", None, "--quiet", "--class", q["class"],
            "--colormap", q["colormap"], "--alpha", q["alpha"]]
    if "method" in q:
        args += ["--method", q["method"]]
    if "threshold" in q:
        args += ["--threshold", q["threshold"]]
    if q.get("boxes") == "true":
        args += ["--boxes"]
    with tempfile.TemporaryDirectory() as folder:
        args[4] = folder
        subprocess.run(args, check=True)
        record = json.loads(open(os.path.join(folder, "results.jsonl")).readline())
        return image(os.path.join(folder, record["explained"][0]["overlay"]))


def image(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def set_slider(driver, slider, value):
    driver.execute_script("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                          "s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change'));", slider, value)
