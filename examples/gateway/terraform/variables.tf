variable "environment" {
  type        = string
  description = "Deployment environment"

  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment is staging or prod"
  }
}

variable "ssl_policy" {
  type        = string
  description = "TLS policy of the HTTPS listener"
  default     = "ELBSecurityPolicy-2016-08"
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate of the edge"
}

variable "public_subnets" {
  type        = list(string)
  description = "Subnets of the load balancer"
}

variable "vpc_id" {
  type        = string
  description = "VPC of the cluster"
}

variable "partner_api_id" {
  type        = string
  description = "REST API of the partner endpoints"
}

variable "partner_deployment_id" {
  type        = string
  description = "Deployment the partner stage serves"
}
