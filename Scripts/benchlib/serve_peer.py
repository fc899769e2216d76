"""The peer service for Scripts/bench's "serve" section: FastAPI + onnxruntime + OpenCV doing
cam serve's default work for POST /v1/explain (the photo as the raw body, the top-1 class's
CAM overlay PNG back), the way a Python team would write it.

    MODEL=Samples/models/efficientnet_lite0.onnx uvicorn serve_peer:app --workers 2 --port P

Per request: cv2.imdecode, then bench_peers.ortcv_overlay (the lean script of the pipeline
section: camkit's "full" resize with cv2.resize INTER_CUBIC, (x-127)/128, onnxruntime with 1
intra-op thread per worker process and the feature tensor /_swish_1/Clip_output_0 added as an
output, CAM = W[c] . F with W the Gemm weight `_fc.weight`, ReLU, min-max, cv2.resize
INTER_LINEAR to the photo, applyColorMap JET, addWeighted 0.5), cv2.imencode PNG. A body that does not decode
gets 415.
"""
import os

import anyio
import cv2
import numpy as np
import onnx
import onnxruntime as ort
from fastapi import FastAPI, Request, Response
from onnx import helper, numpy_helper

from bench_peers import ortcv_overlay   # the lean script's CAM pipeline, one photo

FEATURE_TENSOR = "/_swish_1/Clip_output_0"
FC_WEIGHT = "_fc.weight"

cv2.setNumThreads(1)
_model = onnx.load(os.environ["MODEL"])
W = numpy_helper.to_array({t.name: t for t in _model.graph.initializer}[FC_WEIGHT]).astype(np.float32)
_model.graph.output.append(helper.make_tensor_value_info(FEATURE_TENSOR, onnx.TensorProto.FLOAT, None))
_opts = ort.SessionOptions()
_opts.intra_op_num_threads = 1
_opts.inter_op_num_threads = 1
_opts.log_severity_level = 3
session = ort.InferenceSession(_model.SerializeToString(), sess_options=_opts, providers=["CPUExecutionProvider"])
IN_NAME = session.get_inputs()[0].name
OUT_NAMES = [session.get_outputs()[0].name, FEATURE_TENSOR]
del _model

app = FastAPI()


def explain_png(data: bytes) -> bytes:
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        return b""
    _, overlay = ortcv_overlay(bgr, session, IN_NAME, OUT_NAMES, W)
    ok, png = cv2.imencode(".png", overlay)
    return png.tobytes() if ok else b""


@app.post("/v1/explain")
async def explain(request: Request):
    # The body read on the event loop; the work on FastAPI's thread pool, as a plain `def`
    # endpoint would run (onnxruntime and OpenCV release the GIL).
    png = await anyio.to_thread.run_sync(explain_png, await request.body())
    if not png:
        return Response(status_code=415, content=b"not an image")
    return Response(content=png, media_type="image/png")
