# examples/mysql-rds-multi-user with the required input and the stand-in driver layer of the
# module tests. Every ARN the function and the secret need is unknown until apply.
db_password        = "initial-password-never-in-plan"
driver_layer_dir   = "../../tests/modules/rotation_function_mysql/stand_in_layer"
master_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
