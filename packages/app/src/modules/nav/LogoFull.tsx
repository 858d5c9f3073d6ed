import { makeStyles } from '@material-ui/core';
import { LogoIcon } from './LogoIcon';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'center',
    gap: 10,
    color: '#e8f4f2',
  },
  word: {
    font: '700 22px/1 system-ui, -apple-system, "Segoe UI", sans-serif',
    letterSpacing: 0.5,
  },
});

/** Compass rose and word mark. */
export const LogoFull = () => {
  const classes = useStyles();
  return (
    <div className={classes.root}>
      <LogoIcon />
      <span className={classes.word}>Portolan</span>
    </div>
  );
};
