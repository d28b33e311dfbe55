"""A queryset compiled to SQL once per process, then run with new values.

Building and compiling the ORM query of a treatment page costs several times
more than running it (on SQLite about 1.5 ms against 0.2 ms): the largest
single cost of a page the page cache has not got. A PreparedQuery builds the
queryset once, with placeholder values, keeps its SQL, and on each call runs
that SQL with the values given, turning rows into model instances (with their
select_related objects and annotations) the way QuerySet does. It goes
through the connection's cursor, so query logging and counting still see it.

Only for querysets whose shape never changes with the values: filters on
plain values that are never None (`= NULL` is not `IS NULL`), a fixed slice.
"""

from django.db import connections
from django.db.models.query import get_related_populators

# Within every integer field's range (Django turns a lookup outside a
# field's range into "never" or "always"), and no constant of our queries.
_FIRST_MARKER = 32_101  # small-integer fields stop at 32,767


class PreparedQuery:
    """`PreparedQuery(build, slug=1, languages=2)`: build(slug=..., languages=[...])
    returns the queryset; each keyword names a value and how many SQL values it
    stands for (2: a list of two, e.g. for `__in`). Calling it with those
    keywords returns the list of instances."""

    def __init__(self, build, **arity):
        self.build, self.arity = build, arity
        self.markers = self._markers()
        self._compiled = None  # (database alias, sql, params, compiler), at the first call

    def __call__(self, **values):
        if self._compiled is None:
            self._compiled = self._compile(self.build(**self._placeholders()))
        alias, sql, params, compiler = self._compiled
        given = self._values(values)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [given.get(p, p) if type(p) in (int, str) else p for p in params])
            rows = cursor.fetchall()
        return list(self._instances(compiler, alias, rows))

    def _markers(self):
        """{name: [marker per SQL value]}. A marker is an unlikely number, so
        that integer fields accept it; text fields turn it into its digits, and
        both forms are looked for in the compiled parameters."""
        markers, number = {}, _FIRST_MARKER
        for name, count in self.arity.items():
            markers[name] = list(range(number, number + count))
            number += count
        return markers

    def _placeholders(self):
        return {
            name: numbers[0] if self.arity[name] == 1 else numbers
            for name, numbers in self.markers.items()
        }

    def _values(self, values):
        if set(values) != set(self.arity):
            raise TypeError(f"Expected values for {sorted(self.arity)}, got {sorted(values)}")
        given = {}
        for name, numbers in self.markers.items():
            value = values[name]
            items = [value] if self.arity[name] == 1 else list(value)
            if len(items) != len(numbers):
                raise ValueError(f"{name}: expected {len(numbers)} values, got {len(items)}")
            for number, item in zip(numbers, items, strict=True):
                given[number] = given[str(number)] = item
        return given

    @staticmethod
    def _compile(queryset):
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        return alias, sql, tuple(params), compiler

    @staticmethod
    def _instances(compiler, alias, rows):
        """Rows as model instances: what django.db.models.query.ModelIterable does."""
        select, klass_info = compiler.select, compiler.klass_info
        model = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        annotations = compiler.annotation_col_map or {}
        for row in compiler.results_iter([rows]):
            instance = model.from_db(alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations.items():
                setattr(instance, name, row[position])
            yield instance
