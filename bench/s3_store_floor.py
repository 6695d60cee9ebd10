#!/usr/bin/env python3
"""What the store itself costs for one object of SIZE, measured with boto3 beside the
benchmark (bench/s3.py runs it): the steps videohookd's multipart upload takes, one at a
time, on the same moto server, from a file already on disk.

    s3_store_floor.py ENDPOINT BUCKET ACCESS_KEY SECRET_KEY FILE PART_SIZE

Prints JSON: seconds for the parts (sent one after another, each with its
x-amz-checksum-sha256, as videohookd sends them), CompleteMultipartUpload, the CopyObject
onto itself that gives the object its x-amz-meta-sha256, and HeadObject. The sum of
complete + copy + head is the part of videohookd's time that pipelining cannot hide: it
starts only after the last byte is downloaded.
"""
import json
import sys
import time

import boto3
from botocore.config import Config

endpoint, bucket, access_key, secret_key, path, part_size = sys.argv[1:7]
part_size = int(part_size)
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=access_key,
                  aws_secret_access_key=secret_key, config=Config(s3={"addressing_style": "path"}))
key = "floor/video.mp4"
seconds = {}
began = time.monotonic()
upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="video/mp4", ChecksumAlgorithm="SHA256",
                                    Metadata={"task-id": "floor"})
parts = []
with open(path, "rb") as video:
    number = 1
    while chunk := video.read(part_size):
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number, Body=chunk,
                                ChecksumAlgorithm="SHA256")
        parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": answer.get("ChecksumSHA256")})
        number += 1
seconds["parts"] = time.monotonic() - began
began = time.monotonic()
s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts})
seconds["complete"] = time.monotonic() - began
began = time.monotonic()
s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key}, ContentType="video/mp4",
               Metadata={"task-id": "floor", "sha256": "0" * 64}, MetadataDirective="REPLACE")
seconds["copy"] = time.monotonic() - began
began = time.monotonic()
s3.head_object(Bucket=bucket, Key=key)
seconds["head"] = time.monotonic() - began
s3.delete_object(Bucket=bucket, Key=key)
print(json.dumps(seconds))
