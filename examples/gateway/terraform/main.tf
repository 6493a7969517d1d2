# The gateway's AWS edge: a public load balancer in front of the cluster and
# an API Gateway stage for partners. Also written in a hurry for the launch.

resource "aws_lb" "edge" {
  name               = "shop-edge"
  load_balancer_type = "application"
  internal           = false
  subnets            = var.public_subnets
  security_groups    = [aws_security_group.edge.id]
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}

resource "aws_lb_target_group" "gateway" {
  name     = "shop-gateway"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = var.vpc_id
}

resource "aws_security_group" "edge" {
  name   = "shop-edge"
  vpc_id = var.vpc_id
}

resource "aws_api_gateway_stage" "partners" {
  rest_api_id   = var.partner_api_id
  deployment_id = var.partner_deployment_id
  stage_name    = local.stage
}

locals {
  stage = "${var.environment}-partners"
}
