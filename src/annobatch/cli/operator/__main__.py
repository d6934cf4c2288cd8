"""`python -m annobatch.cli.operator`: the operator CLI without its installed script."""

from annobatch.cli.operator import main

main()
