"""The original tutorial's kind of handler, kept only for the cold-start benchmark
(`cargo xtask bench`), which runs it with AWS's runtime interface client (awslambdaric)
against the same Runtime API stand-in as the board's own function.

At each call it creates a boto3 DynamoDB resource, counts the table with one
Scan(Select=COUNT) and puts the post under count + 1: the scan reads the whole table
on every write, and two writers who count at the same moment overwrite each other.
The board does neither; this file is the measure, not the model.
"""

import json
import os

import boto3


def lambda_handler(event, context):
    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.Table(os.environ["TABLE_NAME"])
    post = json.loads(event["body"])
    count = table.scan(Select="COUNT")["Count"]
    table.put_item(
        Item={"id": count + 1, "title": post["title"], "contents": post["contents"]}
    )
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"id": count + 1}),
    }
