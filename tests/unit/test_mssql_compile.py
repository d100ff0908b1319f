"""SQL Server cannot run here: every statement the foundation issues is compiled for it."""

from __future__ import annotations

from sqlalchemy.dialects import mssql
from sqlalchemy.schema import CreateIndex, CreateTable

from probe.presses import insert_presses_statement
from probe.store.schema import metadata


def test_schema_compiles_for_mssql_with_unicode_and_datetime2() -> None:
    dialect = mssql.dialect()
    ddl = {name: str(CreateTable(table).compile(dialect=dialect)) for name, table in metadata.tables.items()}
    for table in metadata.tables.values():
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
    assert "NVARCHAR(200)" in ddl["points"]
    assert "DATETIME2(3)" in ddl["presses"]
    assert "VARCHAR(" not in ddl["points"].replace("NVARCHAR(", "")


def test_press_insert_compiles_for_mssql_as_insert_where_not_exists() -> None:
    sql = str(insert_presses_statement("mssql").compile(dialect=mssql.dialect()))
    assert sql.startswith("INSERT INTO presses")
    assert "NOT (EXISTS" in sql
