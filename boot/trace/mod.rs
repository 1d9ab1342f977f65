pub mod gotrace;
