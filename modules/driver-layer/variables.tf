variable "name" {
  description = "Name of the Lambda layer (each apply that rebuilds it publishes a new version under this name)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,140}$", var.name))
    error_message = "name must be 1 to 140 letters, digits, hyphens or underscores, for example \"orders-db-rotation-pg8000\"."
  }
}

variable "driver" {
  description = "Which driver to install: the pinned, hash-checked requirements in scripts/layers/<driver>.txt of this repository, for example \"postgres\"."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9_-]+$", var.driver))
    error_message = "driver must name a file scripts/layers/<driver>.txt of this repository, for example \"postgres\"."
  }
}

variable "runtime" {
  description = "Lambda Python runtime of the functions that use the layer: the layer's compatible runtime, and the Python version pip installs for."
  type        = string
  default     = "python3.12"
  nullable    = false

  validation {
    condition     = can(regex("^python3\\.[0-9]+$", var.runtime))
    error_message = "runtime must be a Lambda Python runtime such as \"python3.12\"."
  }
}

variable "python" {
  description = "Python interpreter (with pip) that builds the layer at apply, on the machine that runs Terraform. It runs pip with that machine's configuration (pip.conf, PIP_INDEX_URL, proxy variables), so it needs HTTPS access to PyPI or to the org's package index."
  type        = string
  default     = "python3"
  nullable    = false
}

variable "artifacts_dir" {
  description = "Directory the layer's zip is written to, during the apply that publishes it. null uses builds/ under the directory Terraform runs in. Keep it relative, so that a plan made in one checkout applies in another, and out of version control."
  type        = string
  default     = null
}
