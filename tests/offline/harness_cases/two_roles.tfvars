names = {
  a = "role-a"
  b = "role-b"
}
