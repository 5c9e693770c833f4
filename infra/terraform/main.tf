# The archive bucket on AWS S3 and the IAM policy of the crawler. See infra/README.md.
#
# One bucket, Object Lock on the whole of it. AWS applies a default retention bucket-wide (a lifecycle-like
# prefix filter does not exist for it), and that is what the archive wants: by contract (docs/formats.md, store layout)
# every object is immutable once written, and all of them are evidence: warc/ holds the raw captures,
# articles/ what was extracted from them, crawls/*/manifest.json the sha256 of every object, which is what
# `archiver verify` checks against. Locking only warc/ would leave the manifests, the part that proves the
# WARCs are intact, deletable. A separate WARC bucket would buy nothing but a second store URI.

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

resource "aws_s3_bucket" "archive" {
  bucket = var.bucket_name
  # Object Lock can only be switched on when the bucket is created.
  object_lock_enabled = true

  lifecycle {
    prevent_destroy = true
  }
}

# Object Lock needs versioning; it is switched on with Object Lock anyway, this keeps Terraform in agreement.
resource "aws_s3_bucket_versioning" "archive" {
  bucket = aws_s3_bucket.archive.id

  versioning_configuration {
    status = "Enabled"
  }
}

# Every new object version gets a COMPLIANCE retention: nobody can delete it or shorten the retention until it
# expires. The archiver's puts carry SHA-256 checksums, which S3 requires for uploads under Object Lock.
resource "aws_s3_bucket_object_lock_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id

  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.archive]
}

resource "aws_s3_bucket_public_access_block" "archive" {
  bucket = aws_s3_bucket.archive.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: the bucket owner owns every object, access is by policy only.
resource "aws_s3_bucket_ownership_controls" "archive" {
  bucket = aws_s3_bucket.archive.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# SSE-S3 (AES256) rather than SSE-KMS: no key whose deletion or policy mistake would make the whole archive
# unreadable, and no per-request KMS charges. The integrity guarantee comes from the archive's own sha256s.
resource "aws_s3_bucket_server_side_encryption_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id

  # WARCs are large and read rarely after the first weeks; article JSON and manifests are small and read by
  # every export and verify, so they stay in STANDARD. Transitions are allowed under Object Lock.
  rule {
    id     = "warc-to-cold-storage"
    status = "Enabled"

    filter {
      prefix = "warc/"
    }

    transition {
      days          = var.cold_after_days
      storage_class = var.cold_storage_class
    }
  }

  # The archiver never overwrites or deletes (conditional puts), so a noncurrent version exists only if
  # something else did: it is kept as evidence, in cold storage. No expiration rule, on purpose.
  rule {
    id     = "noncurrent-versions-to-cold-storage"
    status = "Enabled"

    filter {}

    noncurrent_version_transition {
      noncurrent_days = var.noncurrent_cold_after_days
      storage_class   = var.cold_storage_class
    }
  }

  # A worker killed mid-upload leaves parts that are invisible but billed.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.archive]
}

data "aws_iam_policy_document" "archive_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.archive.arn, "${aws_s3_bucket.archive.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "archive" {
  bucket = aws_s3_bucket.archive.id
  policy = data.aws_iam_policy_document.archive_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.archive]
}

# What the scheduler and workers do, and nothing else: head_bucket and list_objects_v2 (ListBucket),
# put_object and multipart uploads (PutObject), head_object and get_object (GetObject), and aborting their own
# failed multipart uploads (AbortMultipartUpload removes unfinished parts, never an object).
data "aws_iam_policy_document" "crawler" {
  statement {
    sid       = "ListArchive"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.archive.arn]
  }

  statement {
    sid       = "ReadAndAddObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.archive.arn}/*"]
  }

  # Explicit, so that a broader policy attached to the same role later still cannot delete or unlock.
  statement {
    sid    = "NeverDeleteOrUnlock"
    effect = "Deny"
    actions = [
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:PutObjectRetention",
      "s3:PutObjectLegalHold",
      "s3:BypassGovernanceRetention",
      "s3:PutLifecycleConfiguration",
      "s3:PutBucketObjectLockConfiguration",
      "s3:PutBucketVersioning",
      "s3:DeleteBucket",
    ]
    resources = [aws_s3_bucket.archive.arn, "${aws_s3_bucket.archive.arn}/*"]
  }
}

resource "aws_iam_policy" "crawler" {
  name        = "${var.bucket_name}-crawler"
  description = "Libya News Archive crawler: read, list and add objects in ${var.bucket_name}; never delete."
  policy      = data.aws_iam_policy_document.crawler.json
}
