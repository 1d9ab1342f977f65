//! Boot options: read from fw_cfg, parsed by the portable parser.
