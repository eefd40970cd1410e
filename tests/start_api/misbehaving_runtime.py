#!/usr/bin/python3
"""A Lambda custom runtime that misbehaves on purpose, for start-api's tests (not shipped).

Speaks the Runtime API at $AWS_LAMBDA_RUNTIME_API; what it does with each event depends on
$RAINCHECK_TEST_MODE:
  malformed  answers a body that is not a proxy response (not JSON)
  error      reports a handler error through /error
  sleep      never answers (the emulator's timeout must end the invocation)
  status     answers {"statusCode": 418, "body": "teapot"}
"""
import json
import os
import time
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
MODE = os.environ.get("RAINCHECK_TEST_MODE", "status")


def post(path, body, headers=None):
    req = urllib.request.Request(API + path, data=body.encode(), method="POST",
                                 headers=headers or {})
    urllib.request.urlopen(req).read()


while True:
    with urllib.request.urlopen(API + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        r.read()
    if MODE == "malformed":
        post(request_id + "/response", "this is not json")
    elif MODE == "error":
        post(request_id + "/error", json.dumps({"errorMessage": "secret detail", "errorType": "Boom"}),
             {"Lambda-Runtime-Function-Error-Type": "Boom"})
    elif MODE == "sleep":
        time.sleep(3600)
    else:
        post(request_id + "/response", json.dumps({"statusCode": 418, "body": "teapot"}))
