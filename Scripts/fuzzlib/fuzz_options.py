#!/usr/bin/env python3
"""Fuzzes cam's option and argument layer: runs the real binary with random argument vectors
built from its options and hostile values, and reports any run that ends by a signal, exits with
a code outside the README's table (0, 1, 2), hangs, or fails without a one-line `cam:`/`Error:`
message. Standard library only; called by `Scripts/fuzz options [seconds]`.

    Scripts/fuzzlib/fuzz_options.py BINARY SECONDS [SEED]
"""
import os
import random
import subprocess
import sys
import tempfile
import time

# This file is Scripts/fuzzlib/fuzz_options.py: the repository root is three levels up.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHOTO = os.path.join(ROOT, "Samples/images/coffee.png")
MODEL = os.path.join(ROOT, "Samples/models/efficientnet_lite0.onnx")

NUMBERS = ["0", "1", "-1", "2", "7", "255", "256", "4096", "4097", "1000", "1001", "65536", "2147483648",
           "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e309", "-1e309", "nan", "NaN",
           "inf", "-inf", "0.5", "-0.0", "1.0000001", "1e-45", "0x10", "", " ", "1,5", "½", "٣"]
WORDS = ["", "-", "--", "a b", "x\ny", "../../etc/passwd", "/dev/null", "/dev/zero", "/proc/self/mem", "\u202e",
         "é", "%s%n", "tabby", "auto/4", "3/2", "0/0", "-1/2", "1/1", "auto/0", "jet", "turbo", "crop", "full",
         "cam", "gradcam", "all", "cam,nope", ",", "imagenet"]

COMMANDS = {
    "explain": {"int": ["--top-k", "--size", "--jobs", "--threads", "--batch-size", "--max-pixels"],
                "float": ["--alpha", "--threshold", "--box-threshold"],
                "word": ["--class", "--resize", "--preset", "--method", "--colormap", "--shard", "--labels", "--model"],
                "flag": ["--recursive", "--boxes", "--save-raw", "--skip-existing", "--html", "--quiet", "--timings",
                         "--eigen-smooth", "--aug-smooth"],
                "args": [PHOTO]},
    "inspect": {"int": ["--top-k", "--panel-height"], "float": [], "word": ["--method", "--methods", "--colormap", "--model"],
                "flag": [], "args": [PHOTO]},
    "model": {"int": ["--size"], "float": [], "word": [], "flag": [], "args": [MODEL]},
    "run": {"int": ["--threads", "--repeat"], "float": [], "word": ["--outputs", "--input"], "flag": ["--profile"],
            "args": [MODEL]},
}


def vector(rng, out):
    name = rng.choice(list(COMMANDS))
    spec = COMMANDS[name]
    args = [name] + list(spec["args"])
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice([k for k in ("int", "float", "word", "flag") if spec[k]])
        option = rng.choice(spec[kind])
        if kind == "flag":
            args.append(option)
            continue
        value = rng.choice(WORDS if kind == "word" else NUMBERS + WORDS[:4])
        args += [option + "=" + value] if value.startswith("-") else [option, value]
    if name in ("explain", "inspect", "run"):
        args += ["--out", out]
    if rng.random() < 0.1:
        args.insert(rng.randint(1, len(args)), rng.choice(WORDS))
    return args


def main():
    binary, seconds = os.path.abspath(sys.argv[1]), float(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    found, runs, end = [], 0, time.time() + seconds
    with tempfile.TemporaryDirectory(prefix="camkit-optfuzz-") as tmp:
        while time.time() < end:
            args = vector(rng, os.path.join(tmp, "out%d" % runs))
            runs += 1
            try:
                p = subprocess.run([binary] + args, capture_output=True, timeout=120, cwd=tmp)
            except subprocess.TimeoutExpired:
                found.append(("hang", args, ""))
                continue
            err = p.stderr.decode("utf-8", "replace")
            problem = None
            if p.returncode < 0:
                problem = "signal %d" % -p.returncode
            elif p.returncode not in (0, 1, 2):
                problem = "exit %d" % p.returncode
            elif p.returncode != 0 and not any(l.startswith(("cam:", "Error:")) for l in err.splitlines()):
                problem = "exit %d without a message" % p.returncode
            if problem:
                found.append((problem, args, err[-300:]))
    for problem, args, err in found:
        print("%s: cam %s\n    %s" % (problem, " ".join(repr(a) for a in args), err.strip().replace("\n", "\n    ")))
    print("options fuzz: %d runs in %.0f s, %d problem(s)" % (runs, seconds, len(found)))
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
