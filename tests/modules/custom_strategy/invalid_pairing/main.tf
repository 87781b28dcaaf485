# custom_strategy and rotation_strategy = "custom" apart, both ways (test_custom_strategy.py).
provider "aws" {
  region = "us-east-1"
}

module "custom_without_class" {
  source = "../../../../modules/rotation-function"

  name              = "custom-without-class"
  rotation_strategy = "custom"
}

module "class_without_custom" {
  source = "../../../../modules/rotation-function"

  name            = "class-without-custom"
  custom_strategy = { source_dir = "${path.root}/../fixture/strategy", class = "vendor_x:VendorXKey" }
}
