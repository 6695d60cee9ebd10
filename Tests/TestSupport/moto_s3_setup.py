#!/usr/bin/env python3
"""Makes a fresh moto server usable with real signatures, with boto3:

    moto_s3_setup.py ENDPOINT BUCKET...

moto started with INITIAL_NO_AUTH_ACTION_COUNT=3 takes its first three requests without
checking them: they make an IAM user with an allow-all inline policy and an access key.
From then on moto checks every Signature V4, so the buckets are made with that key
(path style), and the key is printed as JSON: {"accessKeyID": ..., "secretAccessKey": ...}.
"""
import json
import sys

import boto3
from botocore.config import Config

endpoint, buckets = sys.argv[1], sys.argv[2:]
unchecked = dict(endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **unchecked)
iam.create_user(UserName="videohookd")
iam.put_user_policy(UserName="videohookd", PolicyName="everything", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}))
key = iam.create_access_key(UserName="videohookd")["AccessKey"]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                  config=Config(s3={"addressing_style": "path"}))
for bucket in buckets:
    s3.create_bucket(Bucket=bucket)
print(json.dumps({"accessKeyID": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}))
