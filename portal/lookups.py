"""`__in` on an integer column leaves out numbers no such column can hold, as Django's own exact,
< and > lookups do since 5.0. Ids come from forms and addresses and can be any size: PostgreSQL
simply finds nothing for them, SQLite raises OverflowError (a 500) beyond 64 bits."""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or low <= value) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
