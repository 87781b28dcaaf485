names = {
  ok      = "short"
  too_big = "much-too-long-name"
}
