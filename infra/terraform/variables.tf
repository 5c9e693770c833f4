variable "region" {
  description = "AWS region of the archive bucket; also in the k8s ConfigMap (AWS_DEFAULT_REGION, AWS_ENDPOINT_URL)."
  type        = string
  default     = "eu-central-1"
}

variable "bucket_name" {
  description = "Name of the archive bucket (globally unique). The store URI is s3://<bucket_name>/."
  type        = string
}

# No default on purpose: COMPLIANCE retention cannot be shortened or lifted by anyone, the AWS account root
# included, until it runs out. Try a small value on a scratch bucket first.
variable "retention_days" {
  description = "Object Lock default retention (COMPLIANCE mode) of every new object version, in days."
  type        = number

  validation {
    condition     = var.retention_days >= 1 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days, at least 1."
  }
}

variable "cold_after_days" {
  description = "Days after which WARC files (warc/) move to cold_storage_class."
  type        = number
  default     = 30

  validation {
    condition     = var.cold_after_days >= 0
    error_message = "cold_after_days must not be negative."
  }
}

# GLACIER_IR keeps millisecond reads, so `archiver snapshot` and `verify` still work on old captures.
# DEEP_ARCHIVE costs a quarter as much but every read needs a restore first (hours): only for a bucket that is
# a second copy, not the one the archiver reads.
variable "cold_storage_class" {
  description = "Storage class of cold WARC files and of noncurrent versions: GLACIER_IR or DEEP_ARCHIVE."
  type        = string
  default     = "GLACIER_IR"

  validation {
    condition     = contains(["GLACIER_IR", "DEEP_ARCHIVE"], var.cold_storage_class)
    error_message = "cold_storage_class must be GLACIER_IR or DEEP_ARCHIVE."
  }
}

variable "noncurrent_cold_after_days" {
  description = "Days after which noncurrent object versions move to cold_storage_class (they are kept, not expired)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default = {
    project = "libya-news-archive"
  }
}
