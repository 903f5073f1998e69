"""A stand-in for the Databricks side of MLflow's signed-URL artifact protocol, with a real S3 behind it.

Databricks' tracking server lists run artifacts with `artifacts/list` and hands out signed URLs with
`artifacts/credentials-for-read` and `credentials-for-write`; the client then reads and writes the
storage directly. This serves those three endpoints for runs whose artifacts are kept in a bucket
on moto's S3 server, presigning real S3 URLs with boto3, so the client's data path is real S3.

    python signed_url_stub.py PORT S3_ENDPOINT BUCKET
Artifacts of run R live under s3://BUCKET/R/artifacts/.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import boto3

port, endpoint, bucket = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        run_id = query.get("run_id", [""])[0]
        if self.headers.get("Authorization") != "Bearer dapi-test-token":
            return self.answer(401, {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."})
        if url.path == "/api/2.0/mlflow/artifacts/list":
            prefix = f"{run_id}/artifacts/"
            path = query.get("path", [""])[0]
            folder = prefix + (path + "/" if path else "")
            listing = s3.list_objects_v2(Bucket=bucket, Prefix=folder, Delimiter="/")
            files = [{"path": p["Prefix"][len(prefix):].rstrip("/"), "is_dir": True} for p in listing.get("CommonPrefixes", [])]
            files += [{"path": o["Key"][len(prefix):], "is_dir": False, "file_size": o["Size"]} for o in listing.get("Contents", [])]
            return self.answer(200, {"root_uri": f"dbfs:/databricks/mlflow-tracking/1/{run_id}/artifacts", "files": files})
        for direction, operation in (("read", "get_object"), ("write", "put_object")):
            if url.path == f"/api/2.0/mlflow/artifacts/credentials-for-{direction}":
                infos = [
                    {
                        "run_id": run_id,
                        "path": path,
                        "signed_uri": s3.generate_presigned_url(operation, Params={"Bucket": bucket, "Key": f"{run_id}/artifacts/{path}"}, ExpiresIn=600),
                        "type": "AWS_PRESIGNED_URL",
                        "headers": [],
                    }
                    for path in query.get("path", [])
                ]
                return self.answer(200, {"credential_infos": infos})
        self.answer(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"No API found for 'GET {url.path}'"})


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
