# examples/mysql with the required inputs and the stand-in driver layer of the module tests.
db_host          = "orders.abc123.eu-west-1.rds.amazonaws.com"
db_username      = "orders_app"
db_password      = "initial-password-never-in-plan"
driver_layer_dir = "../../tests/modules/rotation_function_mysql/stand_in_layer"
