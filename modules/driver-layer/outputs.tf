output "layer_version_arn" {
  description = "ARN of the published layer version (with its version number): what rotation-function's driver_layer_arn takes."
  value       = aws_lambda_layer_version.this.arn
}

output "layer_arn" {
  description = "ARN of the layer, without a version."
  value       = aws_lambda_layer_version.this.layer_arn
}
