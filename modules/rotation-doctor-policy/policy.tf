# The read-only calls rotation-doctor makes, from the file the package ships (one source of truth;
# tests/doctor checks the file against the calls in rotation_doctor/). Describe and List actions
# support no resource-level permissions for most of these services, hence "*" in the document.
locals {
  policy_json = file("${path.module}/../../rotation_doctor/policy.json")
}

resource "aws_iam_policy" "this" {
  count = var.create ? 1 : 0

  name        = var.name
  description = "Read-only calls of rotation-doctor: what it checks about each secret's rotation. No secretsmanager:GetSecretValue."
  policy      = local.policy_json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.create ? var.role_names : {}

  role       = each.value
  policy_arn = aws_iam_policy.this[0].arn
}
