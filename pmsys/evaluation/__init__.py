"""The evaluation (考核评价) of managing organisations: scores, deductions, bulletins."""
