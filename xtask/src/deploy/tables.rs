//! The board's tables as the template declares them, said once for the deploy's
//! preflight and for teardown, and checked against `infra/template.yaml`.

/// One table: its logical id in the template, the end of its name
/// (`board-STAGE-<suffix>`), and the stack output that names it.
pub struct Table {
    pub logical: &'static str,
    pub suffix: &'static str,
    pub output: &'static str,
}

pub const TABLES: [Table; 3] = [
    Table {
        logical: "PostsTable",
        suffix: "posts",
        output: "PostsTableName",
    },
    Table {
        logical: "PeopleTable",
        suffix: "people",
        output: "PeopleTableName",
    },
    Table {
        logical: "CommentsTable",
        suffix: "comments",
        output: "CommentsTableName",
    },
];

/// The name each table has in the stack `stack` (`board-STAGE`).
pub fn named(stack: &str) -> impl Iterator<Item = (&'static Table, String)> + '_ {
    TABLES
        .iter()
        .map(move |table| (table, format!("{stack}-{}", table.suffix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_templates_every_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join("infra/template.yaml")).unwrap();
        let template: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let mut declared: Vec<&str> = template["Resources"]
            .as_mapping()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::DynamoDB::Table")
            .map(|(name, _)| name.as_str().unwrap())
            .collect();
        let mut listed: Vec<&str> = TABLES.iter().map(|t| t.logical).collect();
        declared.sort_unstable();
        listed.sort_unstable();
        assert_eq!(declared, listed);
        for table in &TABLES {
            let name = &template["Resources"][table.logical]["Properties"]["TableName"];
            let serde_yaml::Value::Tagged(sub) = name else {
                panic!("{}: {name:?}", table.logical)
            };
            assert_eq!(
                sub.value.as_str().unwrap(),
                format!("board-${{StageName}}-{}", table.suffix)
            );
            let output = &template["Outputs"][table.output]["Value"];
            let serde_yaml::Value::Tagged(reference) = output else {
                panic!("{}: {output:?}", table.output)
            };
            assert_eq!(reference.value.as_str().unwrap(), table.logical);
        }
    }
}
