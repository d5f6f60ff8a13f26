"""One invocation path: backend -> begin run -> execute -> finish -> close; answer reading."""
