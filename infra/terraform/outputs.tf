output "bucket_name" {
  description = "The archive bucket."
  value       = aws_s3_bucket.archive.bucket
}

output "bucket_arn" {
  description = "ARN of the archive bucket."
  value       = aws_s3_bucket.archive.arn
}

output "store_uri" {
  description = "What to pass as --store (and ARCHIVER_STORE in the k8s ConfigMap)."
  value       = "s3://${aws_s3_bucket.archive.bucket}/"
}

output "crawler_policy_arn" {
  description = "IAM policy to attach to the crawler's user or role (scheduler and workers)."
  value       = aws_iam_policy.crawler.arn
}
