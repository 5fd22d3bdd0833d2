//! How the CLI reports errors: what happened and what to do next, field by field for forms.

use beatbook_store::StoreError;

pub fn print_error(e: &anyhow::Error) {
    if let Some(StoreError::Invalid(errs)) = e.downcast_ref::<StoreError>() {
        eprintln!("error: the record was not saved:");
        for fe in &errs.errors {
            eprintln!("  {}: {}", fe.field, fe.message);
        }
        return;
    }
    eprintln!("error: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}
