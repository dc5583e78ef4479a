"""Operations around a night: the run summary, archive, retention and alerts."""
