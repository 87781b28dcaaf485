import sys

from rotation_doctor.cli import main

sys.exit(main())
