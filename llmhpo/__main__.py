import sys

from llmhpo.harness.cli import main

sys.exit(main())
