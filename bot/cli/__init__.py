"""The `civicast` command: main.py is the click group, base.py what every command shares, one module per group."""
